package io.crifailover.failover;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How long one runtime {@code CheckpointContainer} call may take before the shim gives up on it:
 * {@code min(cap, max(floor, interval, 4 x slowest of the last 5 runtime checkpoints))}. A healthy container is never
 * cut off (4 x its slowest, at least the floor); a hung CRIU holds a checkpoint worker at most the cap.
 */
public final class CheckpointDeadline {
    static final int HISTORY = 5;
    static final int FACTOR = 4;
    public static final Duration DEFAULT_FLOOR = Duration.ofSeconds(30);
    public static final Duration CAP = Duration.ofSeconds(120);

    private final Duration floor;
    private final Duration cap;
    private final Map<String, Deque<Long>> recentMillis = new ConcurrentHashMap<>();

    public CheckpointDeadline(Duration floor) {
        if (floor.isNegative() || floor.isZero()) {
            throw new IllegalArgumentException("checkpoint timeout floor must be positive, was " + floor);
        }
        this.floor = floor;
        this.cap = floor.compareTo(CAP) > 0 ? floor : CAP;
    }

    /** The deadline of the next runtime checkpoint of {@code containerId}. */
    public Duration of(String containerId, Duration interval) {
        long millis = Math.max(floor.toMillis(), Math.max(interval.toMillis(), FACTOR * slowestMillis(containerId)));
        return Duration.ofMillis(Math.min(cap.toMillis(), millis));
    }

    /** A runtime checkpoint of {@code containerId} that finished in {@code took}. */
    public void record(String containerId, Duration took) {
        Deque<Long> recent = recentMillis.computeIfAbsent(containerId, k -> new ArrayDeque<>());
        synchronized (recent) {
            recent.addLast(took.toMillis());
            while (recent.size() > HISTORY) {
                recent.removeFirst();
            }
        }
    }

    /** The slowest of the last {@value #HISTORY} runtime checkpoints, 0 before the first. */
    public long slowestMillis(String containerId) {
        Deque<Long> recent = recentMillis.get(containerId);
        if (recent == null) {
            return 0;
        }
        synchronized (recent) {
            return recent.stream().mapToLong(Long::longValue).max().orElse(0);
        }
    }

    public Duration floor() {
        return floor;
    }

    public void forget(String containerId) {
        recentMillis.remove(containerId);
    }
}
