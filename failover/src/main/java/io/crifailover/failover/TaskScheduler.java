package io.crifailover.failover;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** Runs a task once after a delay; a seam so scheduling logic is testable without waiting. */
public interface TaskScheduler {
  /** A scheduled task that can be cancelled. */
  interface Cancellable {
    void cancel();
  }

  Cancellable schedule(Runnable task, Duration delay);

  /** Backed by a JDK scheduled executor. */
  static TaskScheduler of(ScheduledExecutorService executor) {
    return (task, delay) -> {
      ScheduledFuture<?> f = executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
      return () -> f.cancel(false);
    };
  }
}
