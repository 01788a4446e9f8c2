package io.crifailover.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.crifailover.protos.cri.ListContainersRequest;
import io.crifailover.protos.cri.RuntimeServiceGrpc;
import io.crifailover.protos.cri.VersionRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** containerd is SIGKILLed and restarted under a running shim. */
@Tag("integration")
class RuntimeRestartIntegrationTest {

    @Test
    void callsFailFastWhileTheRuntimeIsDownAndSucceedAfterItsRestart() throws Exception {
        try (ShimUnderTest s = ShimUnderTest.start("restart-it")) {
            RuntimeServiceGrpc.RuntimeServiceBlockingStub viaShim =
                    RuntimeServiceGrpc.newBlockingStub(s.viaShim.channel());
            assertThat(viaShim.withDeadlineAfter(10, TimeUnit.SECONDS)
                            .version(VersionRequest.getDefaultInstance())
                            .getRuntimeName())
                    .isEqualTo("containerd");

            s.node.kill();
            for (int i = 0; i < 10; i++) {
                long start = System.nanoTime();
                StatusRuntimeException failure = catchThrowableOfType(
                        StatusRuntimeException.class,
                        () -> viaShim.withDeadlineAfter(30, TimeUnit.SECONDS)
                                .listContainers(ListContainersRequest.getDefaultInstance()));
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertThat(failure).as("call %d during the outage", i).isNotNull();
                assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(took).as("call %d during the outage", i).isLessThan(Duration.ofSeconds(1));
            }

            s.node.restart();
            long restarted = System.nanoTime();
            await().atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(50))
                    .ignoreExceptions()
                    .until(() -> "containerd"
                            .equals(viaShim.withDeadlineAfter(2, TimeUnit.SECONDS)
                                    .version(VersionRequest.getDefaultInstance())
                                    .getRuntimeName()));
            System.out.printf(
                    "shim served again %d ms after containerd answered its first call%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted));
            assertThat(viaShim.withDeadlineAfter(10, TimeUnit.SECONDS)
                            .listContainers(ListContainersRequest.getDefaultInstance()))
                    .isNotNull();
        }
    }
}
