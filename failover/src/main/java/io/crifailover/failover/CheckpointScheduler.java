package io.crifailover.failover;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.LongUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints each protected container at its interval: the first run after a random jitter
 * within one interval (so containers do not align), the next one an interval after the previous
 * one ended (never two at once for one container), and after failures an exponential back-off
 * capped at {@code maxBackoff}. Jobs run on their own executor, never on a kubelet call's thread.
 */
public final class CheckpointScheduler {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointScheduler.class);

  /** The work done for one checkpoint; throws to report failure. */
  @FunctionalInterface
  public interface CheckpointJob {
    void checkpoint(ContainerRef container, ProtectionSettings settings) throws Exception;
  }

  private final TaskScheduler timer;
  private final Executor workers;
  private final CheckpointJob job;
  private final LongUnaryOperator jitterMillis;
  private final Duration maxBackoff;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();

  /**
   * @param jitterMillis given the interval in ms, returns the delay of the first run in [0, interval)
   */
  public CheckpointScheduler(TaskScheduler timer, Executor workers, CheckpointJob job,
      LongUnaryOperator jitterMillis, Duration maxBackoff) {
    this.timer = timer;
    this.workers = workers;
    this.job = job;
    this.jitterMillis = jitterMillis;
    this.maxBackoff = maxBackoff;
  }

  /** Starts (or re-times, when settings changed) checkpointing of {@code container}. */
  public void protect(ContainerRef container, ProtectionSettings settings) {
    Entry fresh = new Entry(container, settings);
    Entry old = entries.put(container.containerId(), fresh);
    if (old != null) {
      if (old.settings.equals(settings)) {
        entries.put(container.containerId(), old);
        return;
      }
      old.stop();
    }
    long interval = settings.interval().toMillis();
    long first = Math.max(0, Math.min(interval - 1, jitterMillis.applyAsLong(interval)));
    fresh.scheduleAfter(Duration.ofMillis(first));
    LOG.info("protecting {} every {} (first checkpoint in {} ms)", container, settings.interval(), first);
  }

  /** Stops checkpointing {@code containerId}; a checkpoint already running completes. */
  public void unprotect(String containerId) {
    Entry e = entries.remove(containerId);
    if (e != null) {
      e.stop();
      LOG.info("no longer protecting {}", e.container);
    }
  }

  public boolean isProtected(String containerId) {
    return entries.containsKey(containerId);
  }

  /** Consecutive failures of the container's checkpoints so far (0 after a success). */
  public int failures(String containerId) {
    Entry e = entries.get(containerId);
    return e == null ? 0 : e.failures;
  }

  Duration backoff(Duration interval, int failures) {
    long factor = 1L << Math.min(failures, 20);
    long millis = interval.toMillis() * factor;
    return Duration.ofMillis(Math.min(millis, Math.max(maxBackoff.toMillis(), interval.toMillis())));
  }

  /** One container's schedule. */
  private final class Entry {
    final ContainerRef container;
    final ProtectionSettings settings;
    volatile boolean stopped;
    volatile int failures;
    TaskScheduler.Cancellable pending;

    Entry(ContainerRef container, ProtectionSettings settings) {
      this.container = container;
      this.settings = settings;
    }

    synchronized void scheduleAfter(Duration delay) {
      if (!stopped) {
        pending = timer.schedule(() -> workers.execute(this::runOnce), delay);
      }
    }

    synchronized void stop() {
      stopped = true;
      if (pending != null) {
        pending.cancel();
      }
    }

    void runOnce() {
      if (stopped) {
        return;
      }
      try {
        job.checkpoint(container, settings);
        failures = 0;
        scheduleAfter(settings.interval());
      } catch (Exception e) {
        failures++;
        Duration wait = backoff(settings.interval(), failures);
        LOG.warn("checkpoint of {} failed ({} in a row), next try in {} ms: {}", container, failures,
            wait.toMillis(), e.toString());
        scheduleAfter(wait);
      }
    }
  }
}
