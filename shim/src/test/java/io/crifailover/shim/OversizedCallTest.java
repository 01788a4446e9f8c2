package io.crifailover.shim;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import io.crifailover.protos.cri.PodSandboxConfig;
import io.crifailover.protos.cri.PodSandboxMetadata;
import io.crifailover.protos.cri.RunPodSandboxRequest;
import io.crifailover.protos.cri.RunPodSandboxResponse;
import io.crifailover.protos.cri.RuntimeServiceGrpc;
import io.crifailover.protos.cri.VersionRequest;
import io.crifailover.protos.cri.VersionResponse;
import io.crifailover.shim.intercept.CriInterceptor;
import io.crifailover.shim.transport.UnixEndpoint;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An oversized call fails alone with RESOURCE_EXHAUSTED while 50 other calls on the same HTTP/2
 * connection succeed, on the plain and the intercepted path (runtime played by a gRPC server; the
 * same against containerd is {@link BadCallIntegrationTest}).
 */
class OversizedCallTest {

    private static final int OTHER_CALLS = 50;

    @TempDir
    Path dir;

    @Test
    void anOversizedCallFailsAloneOnItsConnection() throws Exception {
        try (FakeRuntime runtime = new FakeRuntime(dir.resolve("runtime.sock")).start();
                ShimDaemon shim = ShimDaemon.start(
                        ShimConfig.of(new UnixEndpoint(dir.resolve("shim.sock")), new UnixEndpoint(runtime.socket)))) {
            ManagedChannel channel = UnixChannels.open(shim.socket());
            try {
                assertOnlyTheBigCallFails(channel);
                shim.interceptors()
                        .register(
                                RuntimeServiceGrpc.getRunPodSandboxMethod(),
                                new CriInterceptor<RunPodSandboxRequest, RunPodSandboxResponse>() {});
                assertOnlyTheBigCallFails(channel);
            } finally {
                UnixChannels.close(channel);
            }
        }
    }

    private static void assertOnlyTheBigCallFails(ManagedChannel channel) throws Exception {
        RunPodSandboxRequest big = RunPodSandboxRequest.newBuilder()
                .setConfig(PodSandboxConfig.newBuilder()
                        .setMetadata(PodSandboxMetadata.newBuilder().setName("big"))
                        .putAnnotations("padding", "x".repeat(ShimConfig.DEFAULT_MAX_MESSAGE_BYTES + 1024)))
                .build();
        RuntimeServiceGrpc.RuntimeServiceFutureStub stub = RuntimeServiceGrpc.newFutureStub(channel);
        ListenableFuture<RunPodSandboxResponse> bigCall =
                stub.withDeadlineAfter(60, TimeUnit.SECONDS).runPodSandbox(big);
        List<ListenableFuture<VersionResponse>> others = new ArrayList<>();
        for (int i = 0; i < OTHER_CALLS; i++) {
            others.add(stub.withDeadlineAfter(60, TimeUnit.SECONDS).version(VersionRequest.getDefaultInstance()));
        }

        Status status;
        try {
            bigCall.get(90, TimeUnit.SECONDS);
            status = Status.OK;
        } catch (ExecutionException e) {
            status = Status.fromThrowable(e.getCause());
        }
        assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        for (ListenableFuture<VersionResponse> other : others) {
            assertThat(other.get(60, TimeUnit.SECONDS).getRuntimeName()).isEqualTo("fake");
        }
        assertThat(RuntimeServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .version(VersionRequest.getDefaultInstance())
                        .getRuntimeName())
                .isEqualTo("fake");
    }
}
