package io.crifailover.shim.transport;

import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty epoll event loops shared by the listening server and the runtime channel. The I/O
 * threads ask for a short scheduling slice (see {@link SchedulerSlice}; system property {@value
 * #SLICE_PROPERTY}, nanoseconds, default the shortest, 0 keeps the kernel's default), so that a
 * relayed call does not wait behind the runtime's busy threads each time it wakes the shim.
 */
public final class EventLoops implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EventLoops.class);

    /** System property: the I/O threads' scheduling slice in nanoseconds; 0 keeps the kernel's. */
    public static final String SLICE_PROPERTY = "cri-failover.io-slice-nanos";

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
                new EpollEventLoopGroup(workerThreads, shortSliceThreads(new DefaultThreadFactory("cri-io", true))));
    }

    private static ThreadFactory shortSliceThreads(ThreadFactory threads) {
        long nanos = Long.getLong(SLICE_PROPERTY, SchedulerSlice.SHORTEST_NANOS);
        if (nanos <= 0) {
            return threads;
        }
        AtomicBoolean logged = new AtomicBoolean();
        return task -> threads.newThread(() -> {
            boolean applied = SchedulerSlice.applyToCurrentThread(nanos);
            if (logged.compareAndSet(false, true)) {
                LOG.info(
                        applied
                                ? "I/O threads run with a {} µs scheduling slice"
                                : "I/O threads keep the kernel's default scheduling slice ({} µs not granted)",
                        nanos / 1000);
            }
            task.run();
        });
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
