package io.crifailover.failover;

import io.crifailover.image.CheckpointImage;
import io.crifailover.image.CheckpointImageBuilder;
import io.crifailover.image.CheckpointMetadata;
import io.crifailover.image.meta.CriuDumpStats;
import io.crifailover.placement.Result;
import io.crifailover.protos.cri.CheckpointContainerRequest;
import io.crifailover.protos.cri.ContainerStatusRequest;
import io.crifailover.protos.cri.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import io.crifailover.store.CheckpointRecord;
import io.crifailover.store.CheckpointStore;
import io.crifailover.store.OciLayoutImporter;
import io.crifailover.store.PeerClient;
import io.crifailover.store.Replicator;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One checkpoint of one container, end to end: CRI {@code CheckpointContainer} through the
 * runtime (the container keeps running) -> OCI checkpoint image -> local store -> replicate to the
 * standby nodes placement assigns -> record {digest, sequence, source, CPU flags, holders} in the
 * placement catalog -> retention. Temporary archive and layout are removed in every case; a
 * checkpoint that failed half-way is never recorded in the catalog, so it is never restored.
 */
public final class CheckpointPipeline implements CheckpointScheduler.CheckpointJob {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointPipeline.class);
    private static final Duration PLACEMENT_TIMEOUT = Duration.ofSeconds(5);
    /** How long a checkpoint waits for its standbys' acknowledgements before it is recorded with those that did. */
    private static final Duration REPLICATION_WAIT = Duration.ofSeconds(10);

    private static final int STANDBYS = 2;
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private final RuntimeServiceBlockingStub runtime;
    private final CheckpointStore store;
    private final Path workDir;
    private final NodeIdentity node;
    private final WorkloadResolver workloads;
    private final PlacementLink placement;
    private final Map<String, PeerClient> peerStores;
    private final PodEvents events;
    private final Timer duration;
    private final DistributionSummary size;
    private final Timer frozen;
    private final Timer replication;
    private final Map<String, LastCheckpoint> last = new java.util.concurrent.ConcurrentHashMap<>();
    /** The latest push to each standby: a standby with one still open is not sent another. */
    private final Map<String, CompletableFuture<Boolean>> pushesInFlight = new ConcurrentHashMap<>();

    private final ExecutorService replicationWorkers = Executors.newCachedThreadPool(PeerProber.daemon("replication"));
    private final CheckpointDeadline deadlines;
    private final StuckCheckpoints stuck;

    /** The newest checkpoint this node took of a container (for the status page). */
    public record LastCheckpoint(
            String container,
            long sequence,
            String digest,
            Instant at,
            long layerBytes,
            long frozenMs,
            List<String> holders) {}

    /** What a checkpoint records about its source node. */
    public record NodeIdentity(String name, String arch, List<String> cpuFlags, String cpuFlagsDigest) {}

    public CheckpointPipeline(
            RuntimeServiceBlockingStub runtime,
            CheckpointStore store,
            Path workDir,
            NodeIdentity node,
            WorkloadResolver workloads,
            PlacementLink placement,
            Map<String, PeerClient> peerStores,
            PodEvents events,
            MeterRegistry metrics,
            CheckpointDeadline deadlines,
            StuckCheckpoints stuck) {
        this.deadlines = deadlines;
        this.stuck = stuck;
        this.runtime = runtime;
        this.store = store;
        this.workDir = workDir;
        this.node = node;
        this.workloads = workloads;
        this.placement = placement;
        this.peerStores = Map.copyOf(peerStores);
        this.events = events;
        this.duration = Timer.builder("crif.checkpoint.duration")
                .description("CheckpointContainer to catalog record")
                .publishPercentileHistogram()
                .register(metrics);
        this.size = DistributionSummary.builder("crif.checkpoint.size.bytes")
                .baseUnit("bytes")
                .register(metrics);
        this.frozen = Timer.builder("crif.checkpoint.criu.frozen")
                .description("CRIU frozen time from stats-dump")
                .register(metrics);
        this.replication = Timer.builder("crif.checkpoint.replication")
                .description("replication to all standbys")
                .register(metrics);
    }

    @Override
    public void checkpoint(ContainerRef c, ProtectionSettings settings) throws Exception {
        Optional<String> earlierDump = stuck.stillDumping(c.containerId());
        if (earlierDump.isPresent()) {
            throw new CheckpointScheduler.Deferred("the timed-out dump of " + c + " still runs: " + earlierDump.get());
        }
        long start = System.nanoTime();
        ContainerKey key = workloads.keyOf(c);
        String id = key.toString();
        String storeId = key.storeId();
        long sequence = nextSequence(storeId);
        Path archive = workDir.resolve("archive-" + UUID.randomUUID() + ".tar");
        Path layout = workDir.resolve("layout-" + UUID.randomUUID());
        try {
            checkpointInRuntime(c, settings, sequence, archive);
            long dumped = System.nanoTime();
            deadlines.record(c.containerId(), Duration.ofNanos(dumped - start));
            CheckpointImage image = CheckpointImageBuilder.build(
                    archive,
                    CheckpointMetadata.builder()
                            .sourceNode(node.name())
                            .namespace(key.namespace())
                            .pod(key.pod())
                            .podUid(c.podUid())
                            .container(key.container())
                            .sequence(sequence)
                            .checkpointTime(Instant.now())
                            .cpuFlagsDigest(node.cpuFlagsDigest())
                            .build(),
                    layout);
            String tag = Long.toString(sequence);
            new OciLayoutImporter(store).importImage(layout, image.tag(), key.repository(), tag);
            store.recordCheckpoint(storeId, sequence, key.repository(), tag);
            long stored = System.nanoTime();

            List<String> holders;
            Result.Ack ack;
            long replicated;
            try {
                holders = replicate(id, key, tag, sequence);
                replicated = System.nanoTime();
                ack = placement.call(
                        p -> p.recordCheckpoint(
                                id, image.manifestDigest(), sequence, node.name(), node.cpuFlags(), holders),
                        PLACEMENT_TIMEOUT);
            } catch (IllegalStateException noQuorum) {
                throw new CheckpointScheduler.TransientFailure(noQuorum.getMessage(), noQuorum);
            }
            if (!ack.accepted()) {
                throw new IllegalStateException("placement refused checkpoint " + sequence + ": " + ack.detail());
            }
            store.retain(storeId, settings.keep());
            last.put(
                    c.containerId(),
                    new LastCheckpoint(
                            id,
                            sequence,
                            image.manifestDigest(),
                            Instant.now(),
                            image.layerSize(),
                            image.info().stats() == null
                                    ? -1
                                    : image.info().stats().frozenTimeUs() / 1000,
                            holders));

            long layerBytes = image.layerSize();
            size.record(layerBytes);
            CriuDumpStats stats = image.info().stats();
            long frozenMs = stats == null ? -1 : stats.frozenTimeUs() / 1000;
            if (stats != null) {
                frozen.record(Duration.ofNanos(stats.frozenTimeUs() * 1000));
            }
            long end = System.nanoTime();
            duration.record(Duration.ofNanos(end - start));
            String message = "checkpoint " + sequence + " (" + (layerBytes >> 10) + " KiB, CRIU frozen " + frozenMs
                    + " ms, " + millis(end - start) + " ms end to end) held by " + String.join(",", holders);
            LOG.info(
                    "{}: {}; {} ms: runtime checkpoint {}, pack and store {}, replicate {}, record {}",
                    c,
                    message,
                    millis(end - start),
                    millis(dumped - start),
                    millis(stored - dumped),
                    millis(replicated - stored),
                    millis(end - replicated));
            events.normal(c.namespace(), c.podName(), c.podUid(), PodEvents.CHECKPOINTED, message);
        } catch (Exception e) {
            events.warning(
                    c.namespace(),
                    c.podName(),
                    c.podUid(),
                    PodEvents.CHECKPOINT_FAILED,
                    "checkpoint " + sequence + " of " + c.containerName() + " failed: " + e.getMessage());
            throw e;
        } finally {
            Files.deleteIfExists(archive);
            Directories.deleteTree(layout);
        }
    }

    /**
     * The runtime's {@code CheckpointContainer}, bounded by {@link CheckpointDeadline}; past it the container is
     * marked stuck and a {@link CheckpointTimedOut} names the deadline and why.
     */
    private void checkpointInRuntime(ContainerRef c, ProtectionSettings settings, long sequence, Path archive)
            throws CheckpointTimedOut {
        Duration deadline = deadlines.of(c.containerId(), settings.interval());
        try {
            runtime.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                    .checkpointContainer(CheckpointContainerRequest.newBuilder()
                            .setContainerId(c.containerId())
                            .setLocation(archive.toString())
                            .setTimeout(Math.max(1, (deadline.toMillis() + 999) / 1000))
                            .build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.DEADLINE_EXCEEDED) {
                throw e;
            }
            stuck.timedOut(c, sequence, deadline, initPid(c), archive);
            throw new CheckpointTimedOut("the runtime's CheckpointContainer did not finish within "
                    + deadline.toMillis() + " ms (max of floor "
                    + deadlines.floor().toMillis() + " ms, interval "
                    + settings.interval().toMillis() + " ms, 4 x slowest recent "
                    + deadlines.slowestMillis(c.containerId())
                    + " ms; at most " + CheckpointDeadline.CAP.toSeconds() + " s); not checkpointing "
                    + c.containerName() + " again while that dump still runs");
        }
    }

    /** A runtime checkpoint ran past its deadline. */
    static final class CheckpointTimedOut extends Exception {
        CheckpointTimedOut(String message) {
            super(message);
        }
    }

    /** The container's init pid from the runtime's verbose status ({@code info.pid}), 0 if it does not say. */
    private long initPid(ContainerRef c) {
        try {
            String info = runtime.withDeadlineAfter(2, TimeUnit.SECONDS)
                    .containerStatus(ContainerStatusRequest.newBuilder()
                            .setContainerId(c.containerId())
                            .setVerbose(true)
                            .build())
                    .getInfoMap()
                    .getOrDefault("info", "{}");
            return JSON.readTree(info).path("pid").asLong(0);
        } catch (RuntimeException | java.io.IOException e) {
            LOG.warn("no init pid for {}: {}", c, e.toString());
            return 0;
        }
    }

    /** A container is gone: forget its checkpoint history and stuck state. */
    public void forget(String containerId) {
        deadlines.forget(containerId);
        stuck.clear(containerId);
    }

    @Override
    public void intervalMissed(ContainerRef c, Duration slowest, Duration interval) {
        events.warning(
                c.namespace(),
                c.podName(),
                c.podUid(),
                PodEvents.CHECKPOINT_SLOW,
                "checkpoints of "
                        + c.containerName() + " take up to " + slowest.toMillis()
                        + " ms, so they run back to back and the "
                        + interval.toMillis() + " ms interval cannot be held: up to " + 2 * slowest.toMillis()
                        + " ms of state can be lost; raise cri-failover.io/checkpoint-interval");
    }

    private static long millis(long nanos) {
        return nanos / 1_000_000;
    }

    /** Newest checkpoint per container id of this node. */
    public Map<String, LastCheckpoint> lastCheckpoints() {
        return Map.copyOf(last);
    }

    private long nextSequence(String id) throws java.io.IOException {
        List<CheckpointRecord> history = store.history(id);
        return history.isEmpty() ? 1 : history.get(history.size() - 1).sequence() + 1;
    }

    /**
     * Pushes to the standbys placement assigns, all at once; returns the nodes that hold the image
     * now (this one first, then the standbys in placement's order).
     */
    private List<String> replicate(String id, ContainerKey key, String tag, long sequence) {
        Result.Standbys standbys = placement.call(p -> p.assignStandbys(id, node.name(), STANDBYS), PLACEMENT_TIMEOUT);
        long start = System.nanoTime();
        List<CompletableFuture<Boolean>> pushes = new ArrayList<>();
        for (String standby : standbys.nodes()) {
            PeerClient peer = peerStores.get(standby);
            if (peer == null) {
                LOG.warn("no store address known for standby {}", standby);
                pushes.add(CompletableFuture.completedFuture(false));
                continue;
            }
            CompletableFuture<Boolean> earlier = pushesInFlight.get(standby);
            if (earlier != null && !earlier.isDone()) {
                // a standby that takes data but does not answer must not stall every later checkpoint
                LOG.warn(
                        "{} #{}: standby {} still has an earlier push open; recorded without it",
                        id,
                        sequence,
                        standby);
                pushes.add(CompletableFuture.completedFuture(false));
                continue;
            }
            CompletableFuture<Boolean> push = CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            new Replicator(store).push(peer, key.repository(), tag, key.storeId(), sequence);
                            return true;
                        } catch (Exception e) {
                            LOG.warn("replicating {} #{} to {} failed: {}", id, sequence, standby, e.toString());
                            return false;
                        }
                    },
                    replicationWorkers);
            pushesInFlight.put(standby, push);
            pushes.add(push);
        }
        List<String> holders = new ArrayList<>(List.of(node.name()));
        long waitUntil = start + REPLICATION_WAIT.toNanos();
        for (int i = 0; i < pushes.size(); i++) {
            String standby = standbys.nodes().get(i);
            try {
                if (pushes.get(i).get(Math.max(0, waitUntil - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    holders.add(standby);
                }
            } catch (TimeoutException e) {
                LOG.warn(
                        "{} #{}: standby {} did not acknowledge within {} s; recorded without it (the push goes on)",
                        id,
                        sequence,
                        standby,
                        REPLICATION_WAIT.toSeconds());
            } catch (ExecutionException e) {
                LOG.warn(
                        "{} #{}: push to {} failed: {}",
                        id,
                        sequence,
                        standby,
                        e.getCause().toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        replication.record(Duration.ofNanos(System.nanoTime() - start));
        return holders;
    }
}
