package io.crifailover.shim.intercept;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads interceptors run on, kept apart so that a waiting call can never hold a thread that
 * another call needs.
 *
 * <ul>
 *   <li><b>quick</b>: decoding and every {@code onRequest} that does not wait; a few threads and a
 *       bounded queue (full: the call is forwarded unchanged and counted as a failure).
 *   <li><b>waiting</b>: {@code onRequest} of requests whose interceptor said {@code mayWait}; one
 *       thread per waiting call, at most {@code waitingThreads} at once, no queue (full: the call is
 *       refused with UNAVAILABLE, kubelet retries).
 *   <li><b>timer</b>: enforces each call's budget.
 * </ul>
 */
public final class InterceptorLanes implements AutoCloseable {

    /** Threads of the quick lane. */
    public static final int QUICK_THREADS = 4;
    /** Calls queued for the quick lane before further ones are forwarded without interception. */
    public static final int QUICK_QUEUE = 1_024;
    /** Calls that may wait at the same time; more are refused with UNAVAILABLE. */
    public static final int WAITING_THREADS = 64;

    private final ThreadPoolExecutor quick;
    private final ThreadPoolExecutor waiting;
    private final ScheduledExecutorService timer;

    private InterceptorLanes(ThreadPoolExecutor quick, ThreadPoolExecutor waiting, ScheduledExecutorService timer) {
        this.quick = quick;
        this.waiting = waiting;
        this.timer = timer;
    }

    /** The shim's lanes: {@link #QUICK_THREADS} quick threads, up to {@link #WAITING_THREADS} waiting. */
    public static InterceptorLanes create() {
        return create(QUICK_THREADS, WAITING_THREADS);
    }

    public static InterceptorLanes create(int quickThreads, int waitingThreads) {
        ThreadPoolExecutor quick = new ThreadPoolExecutor(
                quickThreads,
                quickThreads,
                0,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUICK_QUEUE),
                daemonThreads("cri-intercept"));
        ThreadPoolExecutor waiting = new ThreadPoolExecutor(
                0, waitingThreads, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), daemonThreads("cri-intercept-wait"));
        ScheduledExecutorService timer =
                Executors.newSingleThreadScheduledExecutor(daemonThreads("cri-intercept-timer"));
        return new InterceptorLanes(quick, waiting, timer);
    }

    ExecutorService quick() {
        return quick;
    }

    ExecutorService waiting() {
        return waiting;
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    /** Calls whose interceptor is waiting right now. */
    public int waitingCalls() {
        return waiting.getActiveCount();
    }

    @Override
    public void close() {
        quick.shutdownNow();
        waiting.shutdownNow();
        timer.shutdownNow();
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
