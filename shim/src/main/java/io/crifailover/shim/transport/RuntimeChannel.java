package io.crifailover.shim.transport;

import io.grpc.Channel;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection to the container runtime's socket. Calls never wait for a connection: while the
 * runtime is down they fail at once with UNAVAILABLE (kubelet retries). gRPC's own reconnect
 * backoff grows to two minutes; to notice a restarted runtime quickly, this class cuts the backoff
 * short on a fixed schedule, every {@code reconnectInterval}, for as long as the channel is in
 * TRANSIENT_FAILURE. (The schedule must not hang on state changes: gRPC's pick-first keeps the
 * channel in TRANSIENT_FAILURE while it retries, so no change is reported until it is READY.)
 */
public final class RuntimeChannel implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RuntimeChannel.class);

    private final ManagedChannel channel;
    private final Duration reconnectInterval;
    private final UnixEndpoint endpoint;
    private volatile boolean closed;
    private volatile ScheduledFuture<?> redial;

    private RuntimeChannel(ManagedChannel channel, Duration reconnectInterval, UnixEndpoint endpoint) {
        this.channel = channel;
        this.reconnectInterval = reconnectInterval;
        this.endpoint = endpoint;
    }

    /** Opens a channel to {@code endpoint}; connects lazily on the first call. */
    public static RuntimeChannel open(
            UnixEndpoint endpoint,
            EventLoops loops,
            int maxMessageBytes,
            int maxMetadataBytes,
            Duration reconnectInterval) {
        Path socket = endpoint.path();
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(loops.workers())
                .usePlaintext()
                .overrideAuthority("localhost")
                .directExecutor()
                .disableRetry()
                .maxInboundMessageSize(maxMessageBytes)
                .maxInboundMetadataSize(maxMetadataBytes)
                .initialFlowControlWindow(UnixSocketServer.FLOW_CONTROL_WINDOW)
                .build();
        RuntimeChannel runtime = new RuntimeChannel(channel, reconnectInterval, endpoint);
        runtime.watch(ConnectivityState.IDLE);
        runtime.redial = loops.workers()
                .scheduleWithFixedDelay(
                        runtime::resetBackoff,
                        reconnectInterval.toMillis(),
                        reconnectInterval.toMillis(),
                        TimeUnit.MILLISECONDS);
        return runtime;
    }

    /** The channel calls to the runtime go through. */
    public Channel channel() {
        return channel;
    }

    /** Current state; {@code connect} asks an idle channel to connect. */
    public ConnectivityState state(boolean connect) {
        return channel.getState(connect);
    }

    private void watch(ConnectivityState previous) {
        if (closed) {
            return;
        }
        ConnectivityState current = channel.getState(false);
        if (current != previous) {
            if (current == ConnectivityState.TRANSIENT_FAILURE) {
                LOG.warn(
                        "runtime {} unreachable; calls fail with UNAVAILABLE, retrying every {} ms",
                        endpoint,
                        reconnectInterval.toMillis());
            } else if (current == ConnectivityState.READY) {
                LOG.info("connected to runtime {}", endpoint);
            }
        }
        if (current != ConnectivityState.SHUTDOWN) {
            channel.notifyWhenStateChanged(current, () -> watch(current));
        }
    }

    private void resetBackoff() {
        if (!closed && channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
            channel.resetConnectBackoff();
        }
    }

    @Override
    public void close() {
        closed = true;
        ScheduledFuture<?> task = redial;
        if (task != null) {
            task.cancel(false);
        }
        channel.shutdown();
        try {
            if (!channel.awaitTermination(1, TimeUnit.SECONDS)) {
                channel.shutdownNow();
                channel.awaitTermination(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            channel.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
