package io.crifailover.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crifailover.protos.cri.RuntimeServiceGrpc;
import io.crifailover.protos.cri.VersionRequest;
import io.crifailover.protos.cri.VersionResponse;
import io.crifailover.shim.transport.ListenFds;
import io.crifailover.shim.transport.PeerPolicy;
import io.crifailover.shim.transport.UnixEndpoint;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.netty.channel.epoll.LinuxSocket;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.netty.shaded.io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import jnr.constants.platform.Fcntl;
import jnr.constants.platform.OpenFlags;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shim serving on a listening socket it did not bind (what systemd passes), in process: the
 * socket is made here the way systemd makes it and handed over as a {@link ListenFds.Selection}.
 * The real protocol, with systemd-socket-activate, is {@code SocketActivationIntegrationTest}.
 */
class SocketActivationTest {

    @TempDir
    Path dir;

    /** A socket made here and not (yet) handed to a shim, which would own and close it. */
    private LinuxSocket passed;

    @AfterEach
    void closePassedSocket() throws IOException {
        if (passed != null && passed.isOpen()) {
            passed.close();
        }
    }

    /** The shim owns the descriptor from now on; closing it here could hit a reused number. */
    private void handedOver() {
        passed = null;
    }

    /**
     * Like systemd for ListenStream=path, SocketMode=0600: bound, chmod'ed, listening, and blocking
     * (as systemd-socket-activate passes it; Netty's own sockets are non-blocking).
     */
    private ListenFds.Selection listeningSocket(Path path) throws IOException {
        passed = LinuxSocket.newSocketDomain();
        passed.bind(new DomainSocketAddress(path.toString()));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        passed.listen(128);
        POSIX posix = POSIXFactory.getNativePOSIX();
        int flags = posix.fcntl(passed.intValue(), Fcntl.F_GETFL);
        assertThat(posix.fcntlInt(passed.intValue(), Fcntl.F_SETFL, flags & ~OpenFlags.O_NONBLOCK.intValue()))
                .isZero();
        return new ListenFds.Selection(passed.intValue(), "cri-failover.socket", 1);
    }

    @Test
    void servesAConnectionQueuedBeforeItStartedAndLeavesTheSocketFileAlone() throws Exception {
        Path socket = dir.resolve("cri.sock");
        ListenFds.Selection selection = listeningSocket(socket);
        try (FakeRuntime runtime = new FakeRuntime(dir.resolve("runtime.sock")).start()) {
            ManagedChannel channel = UnixChannels.open(socket);
            try {
                // Connects and sends the request while nothing accepts: it waits in the backlog.
                var pending = RuntimeServiceGrpc.newFutureStub(channel)
                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                        .version(VersionRequest.newBuilder().setVersion("v1").build());
                assertThat(pending.isDone()).isFalse();
                try (ShimDaemon shim = ShimDaemon.start(
                        ShimConfig.of(new UnixEndpoint(dir.resolve("other.sock")), new UnixEndpoint(runtime.socket)),
                        selection)) {
                    handedOver();
                    assertThat(shim.socket()).as("the passed socket's own path").isEqualTo(socket);
                    VersionResponse answer = pending.get(30, TimeUnit.SECONDS);
                    assertThat(answer.getRuntimeName()).isEqualTo("fake");
                    assertThat(RuntimeServiceGrpc.newBlockingStub(channel)
                                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                                    .version(VersionRequest.getDefaultInstance())
                                    .getRuntimeName())
                            .isEqualTo("fake");
                    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
                            .as("mode as the service manager set it")
                            .isEqualTo("rw-------");
                    assertThat(dir.resolve("other.sock"))
                            .as("--listen is not bound")
                            .doesNotExist();
                }
                assertThat(socket).as("not unlinked on shutdown").exists();
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
                        .isEqualTo("rw-------");
            } finally {
                UnixChannels.close(channel);
            }
        }
    }

    @Test
    void peersOutsideThePolicyAreDeniedOnAPassedSocketToo() throws Exception {
        Path socket = dir.resolve("cri.sock");
        ListenFds.Selection selection = listeningSocket(socket);
        try (FakeRuntime runtime = new FakeRuntime(dir.resolve("runtime.sock")).start();
                ShimDaemon shim = ShimDaemon.start(
                        ShimConfig.of(new UnixEndpoint(socket), new UnixEndpoint(runtime.socket))
                                .withPeers(new PeerPolicy(false, Set.of(4242), Set.of())),
                        selection)) {
            handedOver();
            ManagedChannel channel = UnixChannels.open(socket);
            try {
                assertThatThrownBy(() -> RuntimeServiceGrpc.newBlockingStub(channel)
                                .withDeadlineAfter(10, TimeUnit.SECONDS)
                                .version(VersionRequest.getDefaultInstance()))
                        .isInstanceOfSatisfying(
                                StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
                assertThat(runtime.lastHeaders.get())
                        .as("nothing reached the runtime")
                        .isNull();
            } finally {
                UnixChannels.close(channel);
            }
        }
    }

    @Test
    void refusesWhatIsNotAListeningUnixStreamSocket() throws Exception {
        try (FakeRuntime runtime = new FakeRuntime(dir.resolve("runtime.sock")).start()) {
            ShimConfig config =
                    ShimConfig.of(new UnixEndpoint(dir.resolve("cri.sock")), new UnixEndpoint(runtime.socket));

            passed = LinuxSocket.newSocketDomainDgram();
            passed.bind(new DomainSocketAddress(dir.resolve("dgram.sock").toString()));
            assertThatThrownBy(() -> ShimDaemon.start(config, new ListenFds.Selection(passed.intValue(), null, 1)))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("not a stream socket");
            passed.close();

            passed = LinuxSocket.newSocketDomain();
            assertThatThrownBy(() -> ShimDaemon.start(config, new ListenFds.Selection(passed.intValue(), null, 1)))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("not listening");
            passed.close();

            passed = LinuxSocket.newSocketStream(false);
            passed.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
            passed.listen(1);
            assertThatThrownBy(() -> ShimDaemon.start(config, new ListenFds.Selection(passed.intValue(), null, 1)))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("not a unix socket");
            passed.close();

            Path file = Files.writeString(dir.resolve("plain-file"), "x");
            FileDescriptor descriptor = FileDescriptor.from(file.toFile());
            try {
                assertThatThrownBy(
                                () -> ShimDaemon.start(config, new ListenFds.Selection(descriptor.intValue(), null, 1)))
                        .isInstanceOf(IOException.class)
                        .hasMessageContaining("is not a usable socket");
            } finally {
                descriptor.close();
            }
            assertThat(dir.resolve("cri.sock"))
                    .as("no fallback to binding --listen")
                    .doesNotExist();
        }
    }
}
