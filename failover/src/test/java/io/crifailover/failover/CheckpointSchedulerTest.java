package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CheckpointSchedulerTest {
    private final ManualScheduler timer = new ManualScheduler();
    private final List<Long> runs = new ArrayList<>();
    private final ContainerRef ref = new ContainerRef("c1", "ns", "pod", "uid", "app");
    private final ProtectionSettings every1s = new ProtectionSettings(Duration.ofSeconds(1), Set.of(), 3);

    @Test
    void firstRunAfterJitterThenEveryIntervalWhenCheckpointsAreInstant() {
        CheckpointScheduler s = new CheckpointScheduler(
                timer, Runnable::run, (c, st) -> runs.add(timer.now()), interval -> 300, Duration.ofMinutes(5));
        s.protect(ref, every1s);
        timer.advance(Duration.ofMillis(3400));
        assertThat(runs).containsExactly(300L, 1300L, 2300L, 3300L);
    }

    @Test
    void eachCheckpointFinishesOneIntervalAfterThePreviousStarted() {
        CheckpointScheduler s = new CheckpointScheduler(
                timer,
                Runnable::run,
                (c, st) -> {
                    runs.add(timer.now());
                    timer.advance(Duration.ofMillis(250));
                },
                interval -> 0,
                Duration.ofMinutes(5));
        s.protect(ref, every1s);
        timer.advance(Duration.ofMillis(3000));
        // starts every 750 ms, so each finishes (start + 250) exactly 1 s after the previous started
        assertThat(runs).containsExactly(0L, 750L, 1500L, 2250L, 3000L);
    }

    @Test
    void plansWithTheSlowestRecentCheckpoint() {
        long[] durations = {100, 400, 100, 100, 100, 100};
        AtomicInteger n = new AtomicInteger();
        CheckpointScheduler s = new CheckpointScheduler(
                timer,
                Runnable::run,
                (c, st) -> {
                    runs.add(timer.now());
                    int i = n.getAndIncrement();
                    timer.advance(Duration.ofMillis(durations[Math.min(i, durations.length - 1)]));
                },
                interval -> 0,
                Duration.ofMinutes(5));
        s.protect(ref, every1s);
        timer.advance(Duration.ofMillis(4000));
        // the 400 ms run shortens the next three cycles to 600 ms; then back to 900 ms
        assertThat(runs).startsWith(0L, 900L, 1500L, 2100L, 2700L, 3600L);
    }

    @Test
    void checkpointsSlowerThanTheIntervalRunBackToBack() {
        CheckpointScheduler s = new CheckpointScheduler(
                timer,
                Runnable::run,
                (c, st) -> {
                    runs.add(timer.now());
                    timer.advance(Duration.ofMillis(1500));
                },
                interval -> 0,
                Duration.ofMinutes(5));
        s.protect(ref, every1s);
        timer.advance(Duration.ofMillis(4000));
        assertThat(runs).containsExactly(0L, 1500L, 3000L);
    }

    @Test
    void jitterIsClampedIntoTheInterval() {
        CheckpointScheduler s = new CheckpointScheduler(
                timer,
                Runnable::run,
                (c, st) -> runs.add(timer.now()),
                interval -> interval * 5,
                Duration.ofMinutes(5));
        s.protect(ref, every1s);
        timer.advance(Duration.ofMillis(1000));
        assertThat(runs).containsExactly(999L);
    }

    @Test
    void failuresBackOffExponentiallyAndRecoveryResets() {
        AtomicInteger calls = new AtomicInteger();
        CheckpointScheduler s = new CheckpointScheduler(
                timer,
                Runnable::run,
                (c, st) -> {
                    runs.add(timer.now());
                    if (calls.incrementAndGet() <= 3) {
                        throw new IllegalStateException("runtime said no");
                    }
                },
                interval -> 0,
                Duration.ofSeconds(5));
        s.protect(ref, every1s);
        timer.advance(Duration.ofMillis(20_000));
        // 0 fails -> +2s fails -> +4s fails -> +5s (capped) succeeds -> then every 1s
        assertThat(runs).startsWith(0L, 2000L, 6000L, 11000L, 12000L, 13000L);
        assertThat(s.failures("c1")).isZero();
    }

    @Test
    void aTransientFailureRetriesAtTheIntervalWithoutBackOff() {
        AtomicInteger calls = new AtomicInteger();
        CheckpointScheduler s = new CheckpointScheduler(
                timer,
                Runnable::run,
                (c, st) -> {
                    runs.add(timer.now());
                    if (calls.incrementAndGet() <= 3) {
                        throw new CheckpointScheduler.TransientFailure("no placement quorum within 5000 ms", null);
                    }
                },
                interval -> 0,
                Duration.ofSeconds(5));
        s.protect(ref, every1s);
        timer.advance(Duration.ofMillis(4500));
        assertThat(runs).startsWith(0L, 1000L, 2000L, 3000L, 4000L);
        assertThat(s.failures("c1")).isZero();
    }

    @Test
    void unprotectStopsFurtherRunsAndSameSettingsDoNotRestartTheSchedule() {
        CheckpointScheduler s = new CheckpointScheduler(
                timer, Runnable::run, (c, st) -> runs.add(timer.now()), interval -> 100, Duration.ofMinutes(5));
        s.protect(ref, every1s);
        timer.advance(Duration.ofMillis(500));
        s.protect(ref, every1s);
        timer.advance(Duration.ofMillis(700));
        s.unprotect("c1");
        timer.advance(Duration.ofMillis(5000));
        assertThat(runs).containsExactly(100L, 1100L);
        assertThat(s.isProtected("c1")).isFalse();
    }

    @Test
    void neverTwoAtOnceForOneContainer() {
        List<Runnable> queued = new ArrayList<>();
        CheckpointScheduler s = new CheckpointScheduler(
                timer, queued::add, (c, st) -> runs.add(timer.now()), interval -> 0, Duration.ofMinutes(5));
        s.protect(ref, every1s);
        timer.advance(Duration.ofMillis(10_000));
        // the first job has not finished (still queued on the worker): nothing else was scheduled
        assertThat(queued).hasSize(1);
        queued.get(0).run();
        timer.advance(Duration.ofMillis(1000));
        assertThat(queued).hasSize(2);
    }

    @Test
    void aDeferredCheckpointIsAskedAgainAfterTheIntervalWithoutCountingAFailure() {
        AtomicInteger n = new AtomicInteger();
        CheckpointScheduler s = new CheckpointScheduler(
                timer,
                Runnable::run,
                (c, st) -> {
                    runs.add(timer.now());
                    if (n.getAndIncrement() < 2) {
                        throw new CheckpointScheduler.Deferred("earlier dump still runs");
                    }
                },
                interval -> 0,
                Duration.ofMinutes(5));
        s.protect(ref, every1s);
        timer.advance(Duration.ofMillis(3000));
        assertThat(runs).containsExactly(0L, 1000L, 2000L, 3000L);
        assertThat(s.failures("c1")).isZero();
    }
}
