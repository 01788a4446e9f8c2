package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.crifailover.placement.Command;
import io.crifailover.placement.PlacementClient;
import io.crifailover.placement.PlacementException;
import io.crifailover.placement.Result;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CheckpointCatalogTest {
    private final PlacementClient client = mock(PlacementClient.class);
    private final PlacementLink link = TestLinks.of(client, "a", "10.0.0.1");
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    /** Retries run when the test says so. */
    private final Queue<Runnable> retries = new ArrayDeque<>();

    private final CheckpointCatalog catalog = new CheckpointCatalog("a", link, retries::add, metrics);
    private final List<Command.RecordCheckpoints> sent = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        release.countDown();
        link.close();
    }

    private static Command.CheckpointEntry entry(String container, long sequence) {
        return new Command.CheckpointEntry(
                container, "sha256:" + container + sequence, sequence, List.of("avx"), List.of("b"));
    }

    private void answer(Function<Command.RecordCheckpoints, Result.Acks> replicas) {
        when(client.recordCheckpoints(any(Command.RecordCheckpoints.class))).thenAnswer(i -> {
            Command.RecordCheckpoints batch = i.getArgument(0);
            sent.add(batch);
            return replicas.apply(batch);
        });
    }

    private static Result.Acks allRecorded(Command.RecordCheckpoints batch) {
        return new Result.Acks(batch.entries().stream()
                .map(e -> new Result.Ack(true, "checkpoint " + e.sequence() + " of " + e.containerId() + " recorded"))
                .toList());
    }

    private static List<List<String>> containers(List<Command.RecordCheckpoints> calls) {
        return calls.stream()
                .map(c -> c.entries().stream()
                        .map(e -> e.containerId() + "#" + e.sequence())
                        .toList())
                .toList();
    }

    @Test
    void recordsThatCompleteWhileACallIsOutGoTogetherInTheNextCall() throws Exception {
        answer(batch -> {
            if (sent.size() == 1) {
                awaitRelease();
            }
            return allRecorded(batch);
        });
        CompletableFuture<Result.Ack> first = catalog.record(entry("c1", 1));
        await().until(() -> sent.size() == 1);
        CompletableFuture<Result.Ack> second = catalog.record(entry("c3", 1));
        CompletableFuture<Result.Ack> third = catalog.record(entry("c2", 7));
        assertThat(catalog.stats().queued()).isEqualTo(2);
        release.countDown();

        assertThat(third.get().detail()).isEqualTo("checkpoint 7 of c2 recorded");
        assertThat(first.get().accepted()).isTrue();
        assertThat(second.get().accepted()).isTrue();
        assertThat(containers(sent)).containsExactly(List.of("c1#1"), List.of("c2#7", "c3#1"));
        DistributionSummary perCall =
                metrics.get("crif.checkpoint.catalog.records").summary();
        await().until(() -> catalog.stats().calls() == 2);
        assertThat(perCall.count()).isEqualTo(2);
        assertThat(perCall.totalAmount()).isEqualTo(3);
        assertThat(perCall.max()).isEqualTo(2);
        assertThat(catalog.stats()).isEqualTo(new CheckpointCatalog.Stats(2, 3, 2, 0, 0));
    }

    @Test
    void aFailedCallsRecordsGoWithTheNextCallAndOnlyTheNewestOfAContainer() throws Exception {
        answer(batch -> {
            if (sent.size() == 1) {
                awaitRelease();
            } else if (sent.size() == 2) {
                throw new PlacementException("no reply quorum for RecordCheckpoints within 10 s");
            }
            return allRecorded(batch);
        });
        catalog.record(entry("c0", 1));
        await().until(() -> sent.size() == 1);
        CompletableFuture<Result.Ack> old = catalog.record(entry("c1", 1));
        CompletableFuture<Result.Ack> other = catalog.record(entry("c2", 1));
        release.countDown();
        await().until(() -> retries.size() == 1);
        assertThat(catalog.stats().queued()).as("both back in the queue").isEqualTo(2);
        assertThat(old).isNotDone();

        CompletableFuture<Result.Ack> newer = catalog.record(entry("c1", 2));
        assertThat(old.get().accepted()).isFalse();
        assertThat(old.get().detail()).contains("superseded");
        assertThat(sent).as("a new record waits for the retry").hasSize(2);
        retries.remove().run();

        assertThat(newer.get().accepted()).isTrue();
        assertThat(other.get().accepted()).isTrue();
        assertThat(containers(sent)).containsExactly(List.of("c0#1"), List.of("c1#1", "c2#1"), List.of("c1#2", "c2#1"));
        assertThat(metrics.get("crif.checkpoint.catalog.failures").counter().count())
                .isEqualTo(1);
        await().until(() -> catalog.stats().equals(new CheckpointCatalog.Stats(2, 3, 2, 1, 0)));
    }

    @Test
    void aFailedCallIsRetriedWithoutANewRecord() throws Exception {
        answer(batch -> {
            if (sent.size() == 1) {
                throw new PlacementException("no quorum");
            }
            return allRecorded(batch);
        });
        CompletableFuture<Result.Ack> only = catalog.record(entry("c1", 1));
        await().until(() -> retries.size() == 1);
        retries.remove().run();
        assertThat(only.get().accepted()).isTrue();
        assertThat(containers(sent)).containsExactly(List.of("c1#1"), List.of("c1#1"));
    }

    @Test
    void aRefusedRecordIsAnsweredAndNotSentAgain() throws Exception {
        answer(batch -> {
            if (sent.size() == 1) {
                awaitRelease();
                return allRecorded(batch);
            }
            return new Result.Acks(List.of(
                    new Result.Ack(false, "sequence 3 of c1 is not newer than 4"), new Result.Ack(true, "recorded")));
        });
        catalog.record(entry("c0", 1));
        await().until(() -> sent.size() == 1);
        CompletableFuture<Result.Ack> refused = catalog.record(entry("c1", 3));
        CompletableFuture<Result.Ack> accepted = catalog.record(entry("c2", 1));
        release.countDown();
        assertThat(refused.get().detail()).contains("not newer");
        assertThat(accepted.get().accepted()).isTrue();
        await().until(() -> catalog.stats().calls() == 2);
        assertThat(catalog.stats()).isEqualTo(new CheckpointCatalog.Stats(2, 3, 2, 0, 0));
        assertThat(sent).hasSize(2);
        assertThat(retries).isEmpty();
    }

    @Test
    void anOlderRecordThanTheQueuedOneIsRefusedAtOnce() throws Exception {
        answer(batch -> {
            awaitRelease();
            return allRecorded(batch);
        });
        catalog.record(entry("c0", 1));
        await().until(() -> sent.size() == 1);
        CompletableFuture<Result.Ack> newer = catalog.record(entry("c1", 5));
        Result.Ack older = catalog.record(entry("c1", 4)).get();
        assertThat(older.accepted()).isFalse();
        assertThat(older.detail()).contains("checkpoint 4 of c1 was superseded");
        release.countDown();
        assertThat(newer.get().accepted()).isTrue();
    }

    @Test
    void waitingPastTheTimeoutLeavesTheRecordQueuedForTheNextCall() throws Exception {
        answer(batch -> {
            awaitRelease();
            return allRecorded(batch);
        });
        catalog.record(entry("c0", 1));
        await().until(() -> sent.size() == 1);
        assertThatThrownBy(() -> catalog.recordAndWait(entry("c1", 1), Duration.ZERO))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("checkpoint 1 of c1 still goes to the catalog");
        release.countDown();
        await().until(() -> sent.size() == 2);
        assertThat(containers(sent).get(1)).containsExactly("c1#1");
    }

    private void awaitRelease() {
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
