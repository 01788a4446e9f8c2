package io.crifailover.shim.transport;

import io.grpc.HandlerRegistry;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelOutboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelPromise;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC server kubelet talks to: a unix socket (mode 0660, or one inherited from systemd) served
 * by Netty's epoll transport, every method answered by a fallback registry, calls allowed only for
 * permitted peers.
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
    private final boolean ownsFile;

    private UnixSocketServer(Server server, Path socket, boolean ownsFile) {
        this.server = server;
        this.socket = socket;
        this.ownsFile = ownsFile;
    }

    /** What the server needs besides its socket. */
    public record Settings(HandlerRegistry registry, PeerPolicy peers, int maxMessageBytes, int maxMetadataBytes) {}

    /** Prepares {@code socket} (see {@link SocketFile#prepare}), binds it and starts serving. */
    public static UnixSocketServer start(Path socket, Settings settings, EventLoops loops) throws IOException {
        SocketFile.prepare(socket);
        Server server = builder(new DomainSocketAddress(socket.toString()), settings, loops)
                .channelType(EpollServerDomainSocketChannel.class)
                .build();
        server.start();
        try {
            SocketFile.restrict(socket);
        } catch (IOException e) {
            server.shutdownNow();
            SocketFile.remove(socket);
            throw e;
        }
        return new UnixSocketServer(server, socket, true);
    }

    /**
     * Serves on a socket that is already bound and listening, inherited from systemd. The socket
     * file belongs to the service manager: its mode is left as the socket unit set it, and it is not
     * removed on shutdown (only this process's descriptor is closed). Peers are checked exactly as
     * on a socket {@link #start} binds.
     *
     * @param fallbackPath reported as {@link #socket()} when the inherited socket has no path
     */
    public static UnixSocketServer adopt(
            InheritedSocket inherited, Path fallbackPath, Settings settings, EventLoops loops) throws IOException {
        Path path = inherited.path() != null ? inherited.path() : fallbackPath;
        Server server = builder(new DomainSocketAddress(path.toString()), settings, loops)
                .channelFactory(() -> {
                    // active = true: already bound and listening, so Netty starts accepting as soon as
                    // the channel is registered; the bind gRPC issues is answered without a bind(2).
                    EpollServerDomainSocketChannel channel = new EpollServerDomainSocketChannel(inherited.fd(), true);
                    channel.pipeline().addFirst(new AlreadyBound());
                    return channel;
                })
                .build();
        server.start();
        return new UnixSocketServer(server, path, false);
    }

    private static NettyServerBuilder builder(DomainSocketAddress address, Settings settings, EventLoops loops) {
        ServerCredentials credentials = InternalNettyServerCredentials.create(new PeerCredentialNegotiator());
        return NettyServerBuilder.forAddress(address, credentials)
                .bossEventLoopGroup(loops.boss())
                .workerEventLoopGroup(loops.workers())
                .directExecutor()
                .fallbackHandlerRegistry(settings.registry())
                .intercept(new PeerCredentialInterceptor(settings.peers()))
                .maxInboundMessageSize(settings.maxMessageBytes())
                .maxInboundMetadataSize(settings.maxMetadataBytes())
                .initialFlowControlWindow(FLOW_CONTROL_WINDOW)
                .permitKeepAliveTime(5, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true);
    }

    /**
     * On the inherited server channel: completes the bind without calling {@code bind(2)}, which
     * would fail (EINVAL) on a socket that is already bound. Leaves the pipeline afterwards.
     */
    private static final class AlreadyBound extends ChannelOutboundHandlerAdapter {
        @Override
        public void bind(ChannelHandlerContext ctx, SocketAddress localAddress, ChannelPromise promise) {
            ctx.pipeline().remove(this);
            promise.setSuccess();
        }
    }

    /** Whether this server bound the socket file itself (and so removes it on shutdown). */
    public boolean ownsSocketFile() {
        return ownsFile;
    }

    public Path socket() {
        return socket;
    }

    /**
     * Stops accepting calls, lets calls in flight finish for up to {@code drain}, cancels the rest
     * and removes the socket file if this server bound it (an inherited one is left to systemd).
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
            if (ownsFile) {
                SocketFile.remove(socket);
            }
        }
    }

    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }
}
