package io.crifailover.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crifailover.protos.cri.RuntimeServiceGrpc;
import io.crifailover.protos.cri.VersionRequest;
import io.crifailover.shim.transport.PeerPolicy;
import io.crifailover.shim.transport.UnixEndpoint;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kernel-reported peer credentials decide who may call. The test process runs as root. */
class PeerAccessTest {

    @TempDir
    Path dir;

    @Test
    void peerOutsideThePolicyGetsPermissionDenied() throws Exception {
        assertThat(new com.sun.security.auth.module.UnixSystem().getUid())
                .as("tests run as root")
                .isZero();
        try (FakeRuntime runtime = new FakeRuntime(dir.resolve("runtime.sock")).start();
                ShimDaemon shim = ShimDaemon.start(
                        ShimConfig.of(new UnixEndpoint(dir.resolve("shim.sock")), new UnixEndpoint(runtime.socket))
                                .withPeers(new PeerPolicy(false, Set.of(4242), Set.of())))) {
            ManagedChannel channel = UnixChannels.open(shim.socket());
            try {
                assertThatThrownBy(() -> RuntimeServiceGrpc.newBlockingStub(channel)
                                .withDeadlineAfter(5, TimeUnit.SECONDS)
                                .version(VersionRequest.getDefaultInstance()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                            assertThat(e.getStatus().getDescription()).contains("uid 0");
                        });
                assertThat(runtime.lastHeaders.get())
                        .as("nothing reached the runtime")
                        .isNull();
            } finally {
                UnixChannels.close(channel);
            }
        }
    }

    @Test
    void rootIsAllowedByDefault() throws Exception {
        try (FakeRuntime runtime = new FakeRuntime(dir.resolve("runtime.sock")).start();
                ShimDaemon shim = ShimDaemon.start(
                        ShimConfig.of(new UnixEndpoint(dir.resolve("shim.sock")), new UnixEndpoint(runtime.socket)))) {
            ManagedChannel channel = UnixChannels.open(shim.socket());
            try {
                assertThat(RuntimeServiceGrpc.newBlockingStub(channel)
                                .withDeadlineAfter(5, TimeUnit.SECONDS)
                                .version(VersionRequest.getDefaultInstance())
                                .getRuntimeName())
                        .isEqualTo("fake");
            } finally {
                UnixChannels.close(channel);
            }
        }
    }
}
