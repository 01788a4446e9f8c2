package io.crifailover.failover;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.LongUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints each protected container so that its newest finished checkpoint is never older than
 * its interval (the state-loss bound the annotation promises): the first run after a random jitter
 * within one interval (so containers do not align), each next one early enough to finish one
 * interval after the previous one started, judged by the slowest of the last
 * {@value #DURATION_HISTORY} runs (never two at once for one container, so a checkpoint slower
 * than half the interval makes them run back to back and the bound is missed: logged once when the
 * last {@value #DURATION_HISTORY} all were), and
 * after failures of the checkpoint itself an exponential back-off capped at {@code maxBackoff}
 * ({@link TransientFailure}s retry at the interval). Jobs run on their own
 * executor, never on a kubelet call's thread.
 */
public final class CheckpointScheduler {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointScheduler.class);
    /** How many recent checkpoint durations the next start is planned with. */
    static final int DURATION_HISTORY = 3;

    /**
     * A checkpoint failed for a passing reason outside the container (no placement quorum, e.g.
     * during a leader change): the next one is tried at the normal schedule, without back-off, so a
     * short placement outage does not stretch the state-loss bound.
     */
    public static final class TransientFailure extends Exception {
        public TransientFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * A checkpoint was not attempted now (e.g. the runtime's earlier, timed-out dump of the container still runs):
     * asked again after the interval, not counted as a failure.
     */
    public static final class Deferred extends Exception {
        public Deferred(String message) {
            super(message);
        }
    }

    /** The work done for one checkpoint; throws to report failure. */
    @FunctionalInterface
    public interface CheckpointJob {
        void checkpoint(ContainerRef container, ProtectionSettings settings) throws Exception;

        /** Checkpoints of {@code container} take so long that its interval cannot be held (told once). */
        default void intervalMissed(ContainerRef container, Duration slowest, Duration interval) {}
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
    public CheckpointScheduler(
            TaskScheduler timer,
            Executor workers,
            CheckpointJob job,
            LongUnaryOperator jitterMillis,
            Duration maxBackoff) {
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
        private final long[] recentMillis = new long[DURATION_HISTORY];
        private int runs;
        private boolean boundMissReported;

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
            long start = timer.nowMillis();
            try {
                job.checkpoint(container, settings);
                failures = 0;
                scheduleAfter(Duration.ofMillis(delayAfterSuccess(start, timer.nowMillis())));
            } catch (Deferred e) {
                LOG.debug("checkpoint of {} deferred: {}", container, e.getMessage());
                scheduleAfter(settings.interval());
            } catch (TransientFailure e) {
                LOG.warn("checkpoint of {} failed, next try at the normal interval: {}", container, e.getMessage());
                scheduleAfter(settings.interval());
            } catch (Exception e) {
                failures++;
                Duration wait = backoff(settings.interval(), failures);
                LOG.warn(
                        "checkpoint of {} failed ({} in a row), next try in {} ms: {}",
                        container,
                        failures,
                        wait.toMillis(),
                        e.toString());
                scheduleAfter(wait);
            }
        }

        /** The wait before the next run, so that it finishes one interval after {@code start}. */
        private long delayAfterSuccess(long start, long end) {
            recentMillis[runs++ % DURATION_HISTORY] = end - start;
            long slowest = java.util.Arrays.stream(recentMillis).max().orElse(0);
            long fastest = java.util.Arrays.stream(recentMillis).min().orElse(0);
            long interval = settings.interval().toMillis();
            // told only when the last few were all too slow: the first checkpoints of a fresh JVM are slow once
            if (runs >= DURATION_HISTORY && 2 * fastest > interval && !boundMissReported) {
                boundMissReported = true;
                LOG.warn(
                        "checkpoints of {} take up to {} ms: the {} ms interval cannot be held (state loss up to {} ms)",
                        container,
                        slowest,
                        interval,
                        2 * slowest);
                job.intervalMissed(container, Duration.ofMillis(slowest), settings.interval());
            }
            return Math.max(0, start + interval - slowest - end);
        }
    }
}
