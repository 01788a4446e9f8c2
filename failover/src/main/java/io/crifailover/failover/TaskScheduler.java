package io.crifailover.failover;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** Runs a task once after a delay, and tells the time; a seam so scheduling logic is testable without waiting. */
public interface TaskScheduler {
    /** A scheduled task that can be cancelled. */
    interface Cancellable {
        void cancel();
    }

    Cancellable schedule(Runnable task, Duration delay);

    /** A monotonic clock in milliseconds (only differences are meaningful). */
    long nowMillis();

    /** Backed by a JDK scheduled executor. */
    static TaskScheduler of(ScheduledExecutorService executor) {
        return new TaskScheduler() {
            @Override
            public Cancellable schedule(Runnable task, Duration delay) {
                ScheduledFuture<?> f = executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
                return () -> f.cancel(false);
            }

            @Override
            public long nowMillis() {
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
            }
        };
    }
}
