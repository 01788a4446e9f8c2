package io.crifailover.failover;

import io.crifailover.placement.Command;
import io.crifailover.placement.PlacementClient;
import io.crifailover.placement.Result;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records this node's checkpoints in placement's catalog, many per ordered call. A record handed in while no call is
 * out starts one; records handed in while a call is out wait and then go together in the next
 * {@link Command.RecordCheckpoints}. Each record gets placement's own answer. A call that fails (no quorum) leaves
 * its records queued: they go with the next call, which a new record starts or, failing that, a retry after
 * {@link #RETRY_DELAY}. Of two records of one container only the newer is kept. Records are handed in only after
 * their holders acknowledged the image, so a batch names only holders that have it, as a single record did.
 */
public final class CheckpointCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointCatalog.class);
    /** Wait before records of a failed call are sent again when no new record starts a call first. */
    public static final Duration RETRY_DELAY = Duration.ofSeconds(1);

    private final String node;
    private final PlacementLink link;
    private final Executor retryLater;
    private final DistributionSummary perCall;
    private final Counter failures;
    /** Container -> its newest record not sent yet (or sent by a call that failed). */
    private final TreeMap<String, Queued> queued = new TreeMap<>();
    /** A call is queued on the link, out, or waiting for its retry. */
    private boolean sending;

    private long calls;
    private long records;
    private int largest;
    private long failedCalls;

    /** What the status page shows: answered calls, the records they carried, failed calls, records waiting. */
    public record Stats(long calls, long records, int largestCall, long failedCalls, int queued) {}

    private record Queued(Command.CheckpointEntry entry, CompletableFuture<Result.Ack> answer) {}

    /** @param retryLater runs the retry of a failed call's records {@link #RETRY_DELAY} later */
    CheckpointCatalog(String node, PlacementLink link, Executor retryLater, MeterRegistry metrics) {
        this.node = node;
        this.link = link;
        this.retryLater = retryLater;
        this.perCall = DistributionSummary.builder("crif.checkpoint.catalog.records")
                .description("checkpoint records one ordered catalog call carried")
                .register(metrics);
        this.failures = Counter.builder("crif.checkpoint.catalog.failures")
                .description("ordered catalog calls that failed; their records went with a later call")
                .register(metrics);
    }

    /** A catalog whose retries run on the common pool's delayed executor. */
    public static CheckpointCatalog of(String node, PlacementLink link, MeterRegistry metrics) {
        return new CheckpointCatalog(
                node, link, CompletableFuture.delayedExecutor(RETRY_DELAY.toMillis(), TimeUnit.MILLISECONDS), metrics);
    }

    /**
     * Records {@code entry} and waits at most {@code timeout} for placement's answer.
     *
     * @throws IllegalStateException when no answer came in time; the record still goes to placement (unless a newer
     *     one of its container replaces it first)
     */
    public Result.Ack recordAndWait(Command.CheckpointEntry entry, Duration timeout) {
        CompletableFuture<Result.Ack> answer = record(entry);
        try {
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("no placement answer within " + timeout.toMillis() + " ms; checkpoint "
                    + entry.sequence() + " of " + entry.containerId()
                    + " still goes to the catalog, with the call out now or a later one");
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "catalog call failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the catalog", e);
        }
    }

    /** Queues {@code entry}; the future completes with placement's answer to it (or a refusal once superseded). */
    public CompletableFuture<Result.Ack> record(Command.CheckpointEntry entry) {
        Queued added = new Queued(entry, new CompletableFuture<>());
        List<Queued> superseded = new ArrayList<>();
        boolean start;
        synchronized (this) {
            keepNewer(added, superseded);
            start = !sending;
            sending = true;
        }
        supersede(superseded);
        if (start) {
            link.submit(this::send);
        }
        return added.answer();
    }

    /** Answered calls and records so far, and the records waiting now. */
    public synchronized Stats stats() {
        return new Stats(calls, records, largest, failedCalls, queued.size());
    }

    private void send(PlacementClient client) {
        List<Queued> batch = take();
        if (batch.isEmpty()) {
            return;
        }
        Command.RecordCheckpoints command = new Command.RecordCheckpoints(
                node, batch.stream().map(Queued::entry).toList());
        Result.Acks acks;
        try {
            acks = client.recordCheckpoints(command);
        } catch (RuntimeException e) {
            synchronized (this) {
                failedCalls++;
            }
            requeue(batch);
            failures.increment();
            LOG.debug(
                    "recording {} checkpoints in the catalog failed, sent again with the next call (the link logs why): {}",
                    batch.size(),
                    e.toString());
            retryLater.execute(this::sendQueued);
            throw e;
        }
        perCall.record(batch.size());
        Map<String, Queued> byContainer = new HashMap<>();
        batch.forEach(q -> byContainer.put(q.entry().containerId(), q));
        synchronized (this) {
            calls++;
            records += batch.size();
            largest = Math.max(largest, batch.size());
        }
        for (int i = 0; i < command.entries().size(); i++) {
            Result.Ack ack = acks.acks().get(i);
            Command.CheckpointEntry entry = command.entries().get(i);
            if (!ack.accepted()) {
                LOG.debug(
                        "placement refused checkpoint {} of {}: {}",
                        entry.sequence(),
                        entry.containerId(),
                        ack.detail());
            }
            byContainer.get(entry.containerId()).answer().complete(ack);
        }
        sendQueued();
    }

    /** Starts a call for the records waiting, or notes that none is out. */
    private void sendQueued() {
        boolean more;
        synchronized (this) {
            more = !queued.isEmpty();
            sending = more;
        }
        if (more) {
            link.submit(this::send);
        }
    }

    private synchronized List<Queued> take() {
        List<Queued> batch = new ArrayList<>(queued.values());
        queued.clear();
        if (batch.isEmpty()) {
            sending = false;
        }
        return batch;
    }

    private void requeue(List<Queued> batch) {
        List<Queued> superseded = new ArrayList<>();
        synchronized (this) {
            batch.forEach(q -> keepNewer(q, superseded));
        }
        supersede(superseded);
    }

    /** Queues {@code q} unless a record of its container at least as new is queued; the loser goes to {@code out}. */
    private void keepNewer(Queued q, List<Queued> out) {
        Queued other = queued.get(q.entry().containerId());
        if (other != null && other.entry().sequence() >= q.entry().sequence()) {
            out.add(q);
            return;
        }
        queued.put(q.entry().containerId(), q);
        if (other != null) {
            out.add(other);
        }
    }

    private void supersede(List<Queued> superseded) {
        superseded.forEach(q -> q.answer()
                .complete(new Result.Ack(
                        false,
                        "checkpoint " + q.entry().sequence() + " of "
                                + q.entry().containerId()
                                + " was superseded by a newer one before placement recorded it")));
    }
}
