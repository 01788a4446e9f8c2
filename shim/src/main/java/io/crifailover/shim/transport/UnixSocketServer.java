package io.crifailover.shim.transport;

import io.grpc.HandlerRegistry;
import io.grpc.Server;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC server kubelet talks to: a unix socket (mode 0660) served by Netty's epoll transport,
 * every method answered by a fallback registry, calls allowed only for permitted peers.
 */
public final class UnixSocketServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(UnixSocketServer.class);

    /**
     * Fixed HTTP/2 window per stream. A fixed window also turns off gRPC's bandwidth-delay-product
     * probing, which would otherwise send a PING per response: pointless on a unix socket, and
     * each PING costs both processes an extra wake-up.
     */
    static final int FLOW_CONTROL_WINDOW = 1024 * 1024;

    private final Server server;
    private final Path socket;

    private UnixSocketServer(Server server, Path socket) {
        this.server = server;
        this.socket = socket;
    }

    /** What the server needs besides its socket. */
    public record Settings(HandlerRegistry registry, ServerCallExecutorSupplier callExecutors,
            PeerPolicy peers, int maxMessageBytes, int maxMetadataBytes) {
    }

    /** Prepares {@code socket} (see {@link SocketFile#prepare}), binds it and starts serving. */
    public static UnixSocketServer start(Path socket, Settings settings, EventLoops loops) throws IOException {
        SocketFile.prepare(socket);
        ServerCredentials credentials = InternalNettyServerCredentials.create(new PeerCredentialNegotiator());
        Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()), credentials)
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(loops.boss())
                .workerEventLoopGroup(loops.workers())
                .directExecutor()
                .callExecutor(settings.callExecutors())
                .fallbackHandlerRegistry(settings.registry())
                .intercept(new PeerCredentialInterceptor(settings.peers()))
                .maxInboundMessageSize(settings.maxMessageBytes())
                .maxInboundMetadataSize(settings.maxMetadataBytes())
                .initialFlowControlWindow(FLOW_CONTROL_WINDOW)
                .permitKeepAliveTime(5, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .build();
        server.start();
        try {
            SocketFile.restrict(socket);
        } catch (IOException e) {
            server.shutdownNow();
            SocketFile.remove(socket);
            throw e;
        }
        return new UnixSocketServer(server, socket);
    }

    public Path socket() {
        return socket;
    }

    /**
     * Stops accepting calls, lets calls in flight finish for up to {@code drain}, cancels the rest
     * and removes the socket.
     */
    public void shutdown(Duration drain) {
        server.shutdown();
        try {
            if (!server.awaitTermination(drain.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.info("calls still running after {} ms of draining; cancelling them", drain.toMillis());
                server.shutdownNow();
                server.awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        } finally {
            SocketFile.remove(socket);
        }
    }

    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }
}
