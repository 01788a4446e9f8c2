package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PhaseLedgerTest {
    /** Clocks the test moves by hand. */
    static final class FakeClocks implements CpuClocks {
        long wall;
        long thread;
        long process;

        void advance(long wallNanos, long threadNanos, long processNanos) {
            wall += wallNanos;
            thread += threadNanos;
            process += processNanos;
        }

        @Override
        public long wallNanos() {
            return wall;
        }

        @Override
        public long threadCpuNanos() {
            return thread;
        }

        @Override
        public long processCpuNanos() {
            return process;
        }
    }

    final FakeClocks clocks = new FakeClocks();
    final PhaseLedger ledger = new PhaseLedger(clocks);

    @Test
    void eachPhaseGetsWhatPassedBetweenItsEnterAndTheNext() {
        ledger.enter(CheckpointPhase.RUNTIME_CHECKPOINT);
        clocks.advance(500, 1, 40);
        ledger.enter(CheckpointPhase.ARCHIVE_READ);
        clocks.advance(30, 25, 50);
        ledger.stop();
        clocks.advance(1000, 1000, 1000);

        Map<CheckpointPhase, PhaseCost> costs = ledger.costs();
        assertThat(costs)
                .containsEntry(CheckpointPhase.RUNTIME_CHECKPOINT, new PhaseCost(500, 1, 40))
                .containsEntry(CheckpointPhase.ARCHIVE_READ, new PhaseCost(30, 25, 50))
                .hasSize(2);
    }

    @Test
    void aPhaseEnteredTwiceAddsUpAndWorkerCpuIsAddedToItsPhase() {
        ledger.enter(CheckpointPhase.REPLICATION);
        clocks.advance(10, 2, 3);
        ledger.enter(CheckpointPhase.CATALOG);
        clocks.advance(5, 1, 1);
        ledger.enter(CheckpointPhase.REPLICATION);
        clocks.advance(10, 2, 3);
        ledger.stop();
        ledger.addWorkerCpu(CheckpointPhase.REPLICATION, 100);
        ledger.addWorkerCpu(CheckpointPhase.REPLICATION, -7);
        ledger.addWorkerCpu(CheckpointPhase.LOCAL_STORE, 9);

        assertThat(ledger.costs())
                .containsEntry(CheckpointPhase.REPLICATION, new PhaseCost(20, 104, 6))
                .containsEntry(CheckpointPhase.CATALOG, new PhaseCost(5, 1, 1))
                .containsEntry(CheckpointPhase.LOCAL_STORE, new PhaseCost(0, 9, 0));
    }

    @Test
    void anUnmeasurableClockGivesMinusOneNotAWrongNumber() {
        clocks.thread = -1;
        ledger.enter(CheckpointPhase.IMAGE_PACK);
        clocks.wall += 7;
        clocks.process += 3;
        ledger.stop();

        assertThat(ledger.costs()).containsEntry(CheckpointPhase.IMAGE_PACK, new PhaseCost(7, -1, 3));
    }

    @Test
    void totalsGiveEachPhaseItsShareAndCountTheRuntimeInItsPhase() {
        CostTotals totals = new CostTotals();
        totals.add(new CheckpointCost(
                Map.of(
                        CheckpointPhase.RUNTIME_CHECKPOINT, new PhaseCost(600, 0, 10),
                        CheckpointPhase.IMAGE_PACK, new PhaseCost(200, 100, 120),
                        CheckpointPhase.CATALOG, new PhaseCost(200, 0, 50)),
                100,
                300));
        totals.add(new CheckpointCost(Map.of(CheckpointPhase.IMAGE_PACK, new PhaseCost(0, 100, 100)), -1, -1));

        CostTotals.Snapshot s = totals.snapshot();
        assertThat(s.checkpoints()).isEqualTo(2);
        assertThat(s.runtimeCpuMeasured()).isEqualTo(1);
        assertThat(s.criuFrozenNanos()).isEqualTo(100);
        assertThat(s.wallShare(CheckpointPhase.RUNTIME_CHECKPOINT)).isEqualTo(0.6);
        assertThat(s.wallShare(CheckpointPhase.REPLICATION)).isZero();
        assertThat(s.cpuOf(CheckpointPhase.RUNTIME_CHECKPOINT)).isEqualTo(300);
        assertThat(s.cpuShare(CheckpointPhase.RUNTIME_CHECKPOINT)).isEqualTo(0.6);
        assertThat(s.cpuShare(CheckpointPhase.IMAGE_PACK)).isEqualTo(0.4);
    }

    @Test
    void procStatFieldsAreReadAfterACommandNameWithSpacesAndParentheses() {
        String stat = "4242 (containerd-shim (x) 1) S 17 4242 4242 0 -1 4194560 1 2 3 4 11 22 33 44 20 0 9 0";
        String[] f = ProcStat.parse(stat);
        assertThat(f[1]).isEqualTo("17");
        assertThat(Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]))
                .isEqualTo(110);
        assertThat(ProcStat.parse("garbage")).isNull();
    }
}
