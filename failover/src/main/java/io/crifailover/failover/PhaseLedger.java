package io.crifailover.failover;

import java.util.EnumMap;
import java.util.Map;

/**
 * Accounts one checkpoint's wall time and CPU phase by phase. The checkpoint thread moves from phase to phase with
 * {@link #enter}; time between {@link #stop} and the next {@code enter} belongs to no phase. Worker threads add the
 * CPU they spent for a phase with {@link #addWorkerCpu}. Thread-safe. A phase entered twice adds up.
 */
public final class PhaseLedger {
    private final CpuClocks clocks;
    private final Map<CheckpointPhase, PhaseCost> costs = new EnumMap<>(CheckpointPhase.class);
    private final Map<CheckpointPhase, Long> workerCpu = new EnumMap<>(CheckpointPhase.class);
    private CheckpointPhase current;
    private long wallAt;
    private long threadAt;
    private long processAt;

    public PhaseLedger(CpuClocks clocks) {
        this.clocks = clocks;
    }

    /** Ends the current phase, if any, and starts {@code phase}. */
    public synchronized void enter(CheckpointPhase phase) {
        stop();
        current = phase;
        wallAt = clocks.wallNanos();
        threadAt = clocks.threadCpuNanos();
        processAt = clocks.processCpuNanos();
    }

    /** Ends the current phase, if any. */
    public synchronized void stop() {
        if (current == null) {
            return;
        }
        long thread = clocks.threadCpuNanos();
        long process = clocks.processCpuNanos();
        PhaseCost spent = new PhaseCost(
                clocks.wallNanos() - wallAt,
                threadAt < 0 || thread < 0 ? -1 : thread - threadAt,
                processAt < 0 || process < 0 ? -1 : process - processAt);
        costs.merge(current, spent, PhaseCost::plus);
        current = null;
    }

    /** CPU a worker thread spent on {@code phase} for this checkpoint (negative values are ignored). */
    public synchronized void addWorkerCpu(CheckpointPhase phase, long cpuNanos) {
        if (cpuNanos > 0) {
            workerCpu.merge(phase, cpuNanos, Long::sum);
        }
    }

    /** The phases measured so far (the current one not included until it stops), each with worker CPU added. */
    public synchronized Map<CheckpointPhase, PhaseCost> costs() {
        Map<CheckpointPhase, PhaseCost> out = new EnumMap<>(CheckpointPhase.class);
        costs.forEach((phase, cost) ->
                out.put(phase, cost.plus(new PhaseCost(0, workerCpu.getOrDefault(phase, 0L), 0))));
        workerCpu.forEach((phase, cpu) -> out.putIfAbsent(phase, new PhaseCost(0, cpu, 0)));
        return out;
    }
}
