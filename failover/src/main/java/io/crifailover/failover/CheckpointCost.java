package io.crifailover.failover;

import java.util.Map;

/**
 * Where one checkpoint's time and CPU went.
 *
 * @param phases each phase's wall time and CPU (see {@link PhaseCost})
 * @param criuFrozenNanos how long CRIU kept the container frozen (from its stats-dump), part of the runtime
 *     checkpoint's wall time; -1 if the archive had no stats
 * @param runtimeCpuNanos CPU time the container's runtime shim and the processes it waited for (runc, CRIU) spent
 *     during the runtime checkpoint, read from {@code /proc}; the runtime daemon's own work (containerd or CRI-O
 *     writing the archive) is not in it; -1 if not measurable
 */
public record CheckpointCost(Map<CheckpointPhase, PhaseCost> phases, long criuFrozenNanos, long runtimeCpuNanos) {
    public CheckpointCost {
        phases = Map.copyOf(phases);
    }

    /** Wall time of all phases together. */
    public long wallNanos() {
        return phases.values().stream().mapToLong(PhaseCost::wallNanos).sum();
    }

    /** This phase's cost, zero if it did not run. */
    public PhaseCost of(CheckpointPhase phase) {
        return phases.getOrDefault(phase, PhaseCost.ZERO);
    }
}
