package io.crifailover.failover;

/**
 * What one phase of a checkpoint cost.
 *
 * @param wallNanos wall time of the phase
 * @param cpuNanos CPU time of the work done for the phase on the shim's threads: the checkpoint thread while it
 *     ran the phase plus what worker threads reported for it (replication pushes); -1 if not measurable
 * @param processCpuNanos CPU time of the whole shim JVM (all threads, including unrelated work such as other
 *     containers' checkpoints, the placement replica, GC) while the phase ran; -1 if not measurable
 */
public record PhaseCost(long wallNanos, long cpuNanos, long processCpuNanos) {
    static final PhaseCost ZERO = new PhaseCost(0, 0, 0);

    PhaseCost plus(PhaseCost o) {
        return new PhaseCost(
                wallNanos + o.wallNanos, sum(cpuNanos, o.cpuNanos), sum(processCpuNanos, o.processCpuNanos));
    }

    private static long sum(long a, long b) {
        return a < 0 || b < 0 ? -1 : a + b;
    }
}
