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
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A bad call hurts only itself: an oversized or malformed call gets the status containerd itself
 * gives, on its own stream, while 50 other calls in flight on the same HTTP/2 connection succeed.
 */
@Tag("integration")
class BadCallIntegrationTest {

    private static final int OTHER_CALLS = 50;

    @Test
    void anOversizedCallFailsAloneWithResourceExhausted() throws Exception {
        try (ShimUnderTest s = ShimUnderTest.start("bad-call-it")) {
            ManagedChannel shim = UnixChannels.open(s.shim.socket());
            ManagedChannel direct = UnixChannels.open(s.node.socket());
            try {
                // just over the shim's limit, and just over containerd's own 16 MiB (the shim forwards it)
                for (int size : new int[] {ShimConfig.DEFAULT_MAX_MESSAGE_BYTES + 1024, 16 * 1024 * 1024 + 1024}) {
                    Status straight = statusOf(runPodSandboxOf(direct, size));
                    List<ListenableFuture<VersionResponse>> others = new ArrayList<>();
                    ListenableFuture<RunPodSandboxResponse> big = runPodSandboxOf(shim, size);
                    RuntimeServiceGrpc.RuntimeServiceFutureStub stub = RuntimeServiceGrpc.newFutureStub(shim);
                    for (int i = 0; i < OTHER_CALLS; i++) {
                        others.add(stub.withDeadlineAfter(60, TimeUnit.SECONDS)
                                .version(VersionRequest.getDefaultInstance()));
                    }
                    Status viaShim = statusOf(big);

                    System.out.printf(
                            "%d bytes: direct %s, via shim %s (%s)%n",
                            size, straight.getCode(), viaShim.getCode(), viaShim.getDescription());
                    assertThat(straight.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                    assertThat(viaShim.getCode()).as("%d bytes", size).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                    for (ListenableFuture<VersionResponse> other : others) {
                        assertThat(other.get(60, TimeUnit.SECONDS).getRuntimeName())
                                .isEqualTo("containerd");
                    }
                }
            } finally {
                UnixChannels.close(shim);
                UnixChannels.close(direct);
            }
        }
    }

    @Test
    void aMalformedCallGetsTheRuntimesStatusAloneOnBothPaths() throws Exception {
        try (ShimUnderTest s = ShimUnderTest.start("malformed-it")) {
            ManagedChannel shim = UnixChannels.open(s.shim.socket());
            ManagedChannel direct = UnixChannels.open(s.node.socket());
            try {
                byte[] garbage = {(byte) 0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x7f};
                Status straight = rawStatus(direct, garbage);
                Status plain = rawStatus(shim, garbage);
                s.shim.interceptors()
                        .register(
                                RuntimeServiceGrpc.getRunPodSandboxMethod(),
                                new CriInterceptor<RunPodSandboxRequest, RunPodSandboxResponse>() {});
                Status intercepted = rawStatus(shim, garbage);

                assertThat(straight.getCode()).isNotEqualTo(Status.Code.OK);
                assertThat(plain.getCode()).isEqualTo(straight.getCode());
                assertThat(intercepted.getCode()).isEqualTo(straight.getCode());
                assertThat(plain.getDescription()).isEqualTo(straight.getDescription());
                assertThat(RuntimeServiceGrpc.newBlockingStub(shim)
                                .withDeadlineAfter(10, TimeUnit.SECONDS)
                                .version(VersionRequest.getDefaultInstance())
                                .getRuntimeName())
                        .isEqualTo("containerd");
            } finally {
                UnixChannels.close(shim);
                UnixChannels.close(direct);
            }
        }
    }

    private static Status rawStatus(ManagedChannel channel, byte[] body) {
        try {
            ClientCalls.blockingUnaryCall(
                    channel,
                    RawMarshaller.rawMethod(
                            RuntimeServiceGrpc.getRunPodSandboxMethod().getFullMethodName()),
                    CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
                    body);
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    private static ListenableFuture<RunPodSandboxResponse> runPodSandboxOf(ManagedChannel channel, int bytes) {
        RunPodSandboxRequest request = RunPodSandboxRequest.newBuilder()
                .setConfig(PodSandboxConfig.newBuilder()
                        .setMetadata(PodSandboxMetadata.newBuilder()
                                .setName("big")
                                .setNamespace("default")
                                .setUid("big-uid"))
                        .putAnnotations("padding", "x".repeat(bytes - 64)))
                .build();
        return RuntimeServiceGrpc.newFutureStub(channel)
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .runPodSandbox(request);
    }

    private static Status statusOf(ListenableFuture<?> call) throws InterruptedException {
        try {
            call.get(90, TimeUnit.SECONDS);
            return Status.OK;
        } catch (ExecutionException e) {
            return Status.fromThrowable(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no answer", e);
        }
    }
}
