package io.crifailover.failover;

import java.util.EnumMap;
import java.util.Map;

/** The running sum of the {@link CheckpointCost}s of one container's checkpoints, for the status page. Thread-safe. */
public final class CostTotals {
    private final Map<CheckpointPhase, PhaseCost> phases = new EnumMap<>(CheckpointPhase.class);
    private long checkpoints;
    private long criuFrozenNanos;
    private long runtimeCpuNanos;
    private long runtimeCpuMeasured;

    public synchronized void add(CheckpointCost cost) {
        checkpoints++;
        cost.phases().forEach((phase, c) -> phases.merge(phase, c, PhaseCost::plus));
        criuFrozenNanos += Math.max(0, cost.criuFrozenNanos());
        if (cost.runtimeCpuNanos() >= 0) {
            runtimeCpuNanos += cost.runtimeCpuNanos();
            runtimeCpuMeasured++;
        }
    }

    /** A consistent copy of the sums. */
    public synchronized Snapshot snapshot() {
        return new Snapshot(checkpoints, new EnumMap<>(phases), criuFrozenNanos, runtimeCpuNanos, runtimeCpuMeasured);
    }

    /**
     * The sums.
     *
     * @param runtimeCpuMeasured how many of the checkpoints have a runtime CPU figure in {@code runtimeCpuNanos}
     */
    public record Snapshot(
            long checkpoints,
            Map<CheckpointPhase, PhaseCost> phases,
            long criuFrozenNanos,
            long runtimeCpuNanos,
            long runtimeCpuMeasured) {
        public Snapshot {
            phases = Map.copyOf(phases);
        }

        /** The phase's share of the wall time of all phases, 0..1 (0 when nothing was measured). */
        public double wallShare(CheckpointPhase phase) {
            long total =
                    phases.values().stream().mapToLong(PhaseCost::wallNanos).sum();
            return total == 0
                    ? 0
                    : (double) phases.getOrDefault(phase, PhaseCost.ZERO).wallNanos() / total;
        }

        /**
         * The phase's share of all CPU counted: the shim's per-phase CPU plus, in the runtime checkpoint phase,
         * the runtime's measured CPU. 0..1.
         */
        public double cpuShare(CheckpointPhase phase) {
            long total = runtimeCpuNanos;
            for (PhaseCost c : phases.values()) {
                total += Math.max(0, c.cpuNanos());
            }
            return total == 0 ? 0 : (double) cpuOf(phase) / total;
        }

        /** CPU counted for the phase: the shim's, plus the runtime's for the runtime checkpoint. */
        public long cpuOf(CheckpointPhase phase) {
            long shim = Math.max(0, phases.getOrDefault(phase, PhaseCost.ZERO).cpuNanos());
            return phase == CheckpointPhase.RUNTIME_CHECKPOINT ? shim + runtimeCpuNanos : shim;
        }
    }
}
