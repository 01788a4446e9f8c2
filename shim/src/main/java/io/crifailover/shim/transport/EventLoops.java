package io.crifailover.shim.transport;

import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/** The Netty epoll event loops shared by the listening server and the runtime channel. */
public final class EventLoops implements AutoCloseable {

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;

    private EventLoops(EventLoopGroup boss, EventLoopGroup workers) {
        this.boss = boss;
        this.workers = workers;
    }

    /** One acceptor thread and {@code workerThreads} I/O threads (0 = two per core). */
    public static EventLoops create(int workerThreads) {
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException(
                    "Netty epoll transport is unavailable (Linux x86_64/aarch64 needed)", Epoll.unavailabilityCause());
        }
        return new EventLoops(
                new EpollEventLoopGroup(1, new DefaultThreadFactory("cri-accept", true)),
                new EpollEventLoopGroup(workerThreads, new DefaultThreadFactory("cri-io", true)));
    }

    public EventLoopGroup boss() {
        return boss;
    }

    public EventLoopGroup workers() {
        return workers;
    }

    @Override
    public void close() {
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        boss.terminationFuture().syncUninterruptibly();
        workers.terminationFuture().syncUninterruptibly();
    }
}
