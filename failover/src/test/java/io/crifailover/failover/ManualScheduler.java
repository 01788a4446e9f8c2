package io.crifailover.failover;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A {@link TaskScheduler} driven by the test: time moves only in {@link #advance}. */
final class ManualScheduler implements TaskScheduler {
    private final List<Pending> pending = new ArrayList<>();
    private long nowMillis;

    private static final class Pending {
        final long due;
        final Runnable task;
        boolean cancelled;

        Pending(long due, Runnable task) {
            this.due = due;
            this.task = task;
        }
    }

    @Override
    public synchronized Cancellable schedule(Runnable task, Duration delay) {
        Pending p = new Pending(nowMillis + delay.toMillis(), task);
        pending.add(p);
        return () -> p.cancelled = true;
    }

    /** Moves time forward, running every task that falls due, in order. */
    void advance(Duration by) {
        long end = nowMillis + by.toMillis();
        while (true) {
            Pending next;
            synchronized (this) {
                next = pending.stream()
                        .filter(p -> p.due <= end)
                        .min(Comparator.comparingLong(p -> p.due))
                        .orElse(null);
                if (next == null) {
                    nowMillis = end;
                    return;
                }
                pending.remove(next);
                nowMillis = Math.max(nowMillis, next.due);
            }
            if (!next.cancelled) {
                next.task.run();
            }
        }
    }

    synchronized long now() {
        return nowMillis;
    }

    @Override
    public long nowMillis() {
        return now();
    }
}
