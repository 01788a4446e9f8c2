package io.crifailover.failover;

import io.crifailover.image.CheckpointImage;
import io.crifailover.image.CheckpointImageBuilder;
import io.crifailover.image.CheckpointMetadata;
import io.crifailover.image.ScannedArchive;
import io.crifailover.image.meta.CriuDumpStats;
import io.crifailover.placement.Command;
import io.crifailover.placement.Result;
import io.crifailover.protos.cri.CheckpointContainerRequest;
import io.crifailover.protos.cri.ContainerStatusRequest;
import io.crifailover.protos.cri.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import io.crifailover.store.CheckpointRecord;
import io.crifailover.store.CheckpointStore;
import io.crifailover.store.ChunkingOutputStream;
import io.crifailover.store.OciLayoutImporter;
import io.crifailover.store.PeerClient;
import io.crifailover.store.Replicator;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
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
 *
 * <p>The runtime's archive is read once (validated, hashed and cut into replication chunks together) and, when it
 * is a plain tar of files and directories, becomes the image's layer as it is: moved into the layout and then into
 * the store, never rewritten or read again before it is sent. Standbys come from a {@link StandbyCache}; records
 * go to the catalog through a {@link CheckpointCatalog}, with those of other containers that completed meanwhile.
 * Each phase's wall time and CPU is accounted by a {@link PhaseLedger} and shown in the log, the metrics and the
 * status page.
 */
public final class CheckpointPipeline implements CheckpointScheduler.CheckpointJob {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointPipeline.class);
    private static final Duration PLACEMENT_TIMEOUT = Duration.ofSeconds(5);
    /** How long a checkpoint waits for its standbys' acknowledgements before it is recorded with those that did. */
    private static final Duration REPLICATION_WAIT = Duration.ofSeconds(10);

    private static final int STANDBYS = 2;
    /** How long a standby answer is reused at most, for membership changes only placement sees. */
    private static final Duration STANDBY_CACHE_MAX_AGE = Duration.ofSeconds(30);

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private final RuntimeServiceBlockingStub runtime;
    private final CheckpointStore store;
    private final Path workDir;
    private final NodeIdentity node;
    private final WorkloadResolver workloads;
    private final PlacementLink placement;
    private final CheckpointCatalog catalog;
    private final Map<String, PeerClient> peerStores;
    private final PodEvents events;
    private final Timer duration;
    private final DistributionSummary size;
    private final Timer frozen;
    private final Timer replication;
    private final Map<CheckpointPhase, Timer> phaseWall = new EnumMap<>(CheckpointPhase.class);
    private final Map<CheckpointPhase, Counter> phaseCpu = new EnumMap<>(CheckpointPhase.class);
    private final Counter runtimeCpu;
    private final Counter standbysCached;
    private final Counter standbysAsked;
    private final CpuClocks clocks = CpuClocks.jvm();
    private final ProcStat procStat = new ProcStat(Path.of("/proc"));
    private final CheckpointImageBuilder builder = CheckpointImageBuilder.defaults();
    private final StandbyCache standbyCache = new StandbyCache(Clock.systemUTC(), STANDBY_CACHE_MAX_AGE);
    /** Init pid per container id (for the runtime shim's CPU); a container's init pid does not change. */
    private final Map<String, Long> initPids = new ConcurrentHashMap<>();

    private final Map<String, CostTotals> costTotals = new ConcurrentHashMap<>();
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
            List<String> holders,
            CheckpointCost cost,
            CostTotals.Snapshot totals) {}

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
        this.catalog = CheckpointCatalog.of(node.name(), placement, metrics);
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
        for (CheckpointPhase phase : CheckpointPhase.values()) {
            phaseWall.put(
                    phase,
                    Timer.builder("crif.checkpoint.phase")
                            .description("wall time of one phase of a checkpoint")
                            .tag("phase", phase.key())
                            .register(metrics));
            phaseCpu.put(
                    phase,
                    Counter.builder("crif.checkpoint.phase.cpu")
                            .description("CPU the shim's threads spent on one phase of checkpoints")
                            .baseUnit("seconds")
                            .tag("phase", phase.key())
                            .register(metrics));
        }
        this.runtimeCpu = Counter.builder("crif.checkpoint.runtime.cpu")
                .description("CPU of the containers' runtime shims and their children (runc, CRIU) during "
                        + "CheckpointContainer; the runtime daemon's own work is not counted")
                .baseUnit("seconds")
                .register(metrics);
        this.standbysCached = Counter.builder("crif.checkpoint.standbys")
                .description("standby answers a checkpoint used, by where they came from")
                .tag("source", "cache")
                .register(metrics);
        this.standbysAsked = Counter.builder("crif.checkpoint.standbys")
                .description("standby answers a checkpoint used, by where they came from")
                .tag("source", "placement")
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
        PhaseLedger ledger = new PhaseLedger(clocks);
        try {
            ledger.enter(CheckpointPhase.RUNTIME_CHECKPOINT);
            long runtimePid = runtimeShimPid(c);
            long runtimeBefore = procStat.cpuWithChildrenNanos(runtimePid).orElse(-1);
            checkpointInRuntime(c, settings, sequence, archive);
            long runtimeAfter = procStat.cpuWithChildrenNanos(runtimePid).orElse(-1);
            long runtimeCpuNanos = runtimeBefore < 0 || runtimeAfter < 0 ? -1 : runtimeAfter - runtimeBefore;
            long dumped = System.nanoTime();
            deadlines.record(c.containerId(), Duration.ofNanos(dumped - start));
            ledger.enter(CheckpointPhase.ARCHIVE_READ);
            ChunkingOutputStream chunking =
                    new ChunkingOutputStream(store.chunks().params());
            ScannedArchive scanned = builder.scan(archive, chunking);
            ledger.enter(CheckpointPhase.IMAGE_PACK);
            CheckpointImage image = builder.buildLayout(
                    scanned,
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
            ledger.enter(CheckpointPhase.LOCAL_STORE);
            String tag = Long.toString(sequence);
            OciLayoutImporter.movingOwnLayout(store).importImage(layout, image.tag(), key.repository(), tag);
            if (scanned.usableAsLayer()) {
                // the layer is the archive: its chunks were cut during the one read, so no push cuts them again
                store.chunks().add(chunking.recipe(scanned.digest()));
            }
            store.recordCheckpoint(storeId, sequence, key.repository(), tag);

            List<String> holders;
            Result.Ack ack;
            try {
                ledger.enter(CheckpointPhase.STANDBY_QUERY);
                List<String> standbys = standbys(id);
                ledger.enter(CheckpointPhase.REPLICATION);
                holders = replicate(id, key, tag, sequence, standbys, ledger);
                if (holders.size() < 1 + standbys.size()) {
                    standbyCache.invalidate(id);
                }
                ledger.enter(CheckpointPhase.CATALOG);
                ack = catalog.recordAndWait(
                        new Command.CheckpointEntry(id, image.manifestDigest(), sequence, node.cpuFlags(), holders),
                        PLACEMENT_TIMEOUT);
            } catch (IllegalStateException noQuorum) {
                standbyCache.invalidate(id);
                throw new CheckpointScheduler.TransientFailure(noQuorum.getMessage(), noQuorum);
            }
            if (!ack.accepted()) {
                standbyCache.invalidate(id);
                throw new IllegalStateException("placement refused checkpoint " + sequence + ": " + ack.detail());
            }
            store.retain(storeId, settings.keep());
            ledger.stop();

            long layerBytes = image.layerSize();
            CriuDumpStats stats = image.info().stats();
            long frozenMs = stats == null ? -1 : stats.frozenTimeUs() / 1000;
            CheckpointCost cost = new CheckpointCost(
                    ledger.costs(), stats == null ? -1 : stats.frozenTimeUs() * 1000, runtimeCpuNanos);
            CostTotals totals = costTotals.computeIfAbsent(c.containerId(), k -> new CostTotals());
            totals.add(cost);
            record(cost);
            last.put(
                    c.containerId(),
                    new LastCheckpoint(
                            id,
                            sequence,
                            image.manifestDigest(),
                            Instant.now(),
                            layerBytes,
                            frozenMs,
                            holders,
                            cost,
                            totals.snapshot()));
            size.record(layerBytes);
            if (stats != null) {
                frozen.record(Duration.ofNanos(stats.frozenTimeUs() * 1000));
            }
            long end = System.nanoTime();
            duration.record(Duration.ofNanos(end - start));
            String message = "checkpoint " + sequence + " (" + (layerBytes >> 10) + " KiB, CRIU frozen " + frozenMs
                    + " ms, " + millis(end - start) + " ms end to end) held by " + String.join(",", holders);
            LOG.info(
                    "{}: {}; {} ms end to end; phases (wall ms / shim CPU ms): {}; runtime shim CPU {} ms; layer {}",
                    c,
                    message,
                    millis(end - start),
                    describe(cost),
                    runtimeCpuNanos < 0 ? "?" : Long.toString(millis(runtimeCpuNanos)),
                    scanned.usableAsLayer() ? "is the runtime's archive" : "rewritten: " + scanned.notLayerReason());
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
            ledger.stop();
            Files.deleteIfExists(archive);
            Directories.deleteTree(layout);
        }
    }

    private void record(CheckpointCost cost) {
        cost.phases().forEach((phase, c) -> {
            phaseWall.get(phase).record(Duration.ofNanos(c.wallNanos()));
            if (c.cpuNanos() > 0) {
                phaseCpu.get(phase).increment(c.cpuNanos() / 1e9);
            }
        });
        if (cost.runtimeCpuNanos() > 0) {
            runtimeCpu.increment(cost.runtimeCpuNanos() / 1e9);
        }
    }

    private static String describe(CheckpointCost cost) {
        StringBuilder out = new StringBuilder();
        for (CheckpointPhase phase : CheckpointPhase.values()) {
            PhaseCost c = cost.of(phase);
            if (out.length() > 0) {
                out.append(", ");
            }
            out.append(phase.key())
                    .append(' ')
                    .append(millis(c.wallNanos()))
                    .append('/')
                    .append(c.cpuNanos() < 0 ? "?" : Long.toString(millis(c.cpuNanos())));
        }
        return out.toString();
    }

    /**
     * The pid of the runtime's shim of the container (its init's parent), whose CPU with its children (runc,
     * CRIU) is the runtime's measurable share of a checkpoint; 0 when not known.
     */
    private long runtimeShimPid(ContainerRef c) {
        Long known = initPids.get(c.containerId());
        long init = known != null ? known : initPid(c);
        if (init <= 0) {
            return 0;
        }
        initPids.put(c.containerId(), init);
        return procStat.parent(init).orElse(0);
    }

    /** Placement's standbys for the container, from the cache while it is valid. */
    private List<String> standbys(String id) {
        StandbyCache.View view = new StandbyCache.View(placement.self(), placement.suspectedPeers());
        Optional<List<String>> cached = standbyCache.get(id, view);
        if (cached.isPresent()) {
            standbysCached.increment();
            return cached.get();
        }
        Result.Standbys answer = placement.call(p -> p.assignStandbys(id, node.name(), STANDBYS), PLACEMENT_TIMEOUT);
        standbysAsked.increment();
        standbyCache.put(id, answer.nodes(), STANDBYS, view);
        return answer.nodes();
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
        initPids.remove(containerId);
        costTotals.remove(containerId);
        LastCheckpoint newest = last.get(containerId);
        if (newest != null) {
            standbyCache.invalidate(newest.container());
        }
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

    /** How many records the catalog calls carried (for the status page). */
    public CheckpointCatalog.Stats catalogStats() {
        return catalog.stats();
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
    private List<String> replicate(
            String id, ContainerKey key, String tag, long sequence, List<String> standbys, PhaseLedger ledger) {
        long start = System.nanoTime();
        List<CompletableFuture<Boolean>> pushes = new ArrayList<>();
        for (String standby : standbys) {
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
                        long cpuAt = clocks.threadCpuNanos();
                        try {
                            new Replicator(store).push(peer, key.repository(), tag, key.storeId(), sequence);
                            return true;
                        } catch (Exception e) {
                            LOG.warn("replicating {} #{} to {} failed: {}", id, sequence, standby, e.toString());
                            return false;
                        } finally {
                            if (cpuAt >= 0) {
                                ledger.addWorkerCpu(CheckpointPhase.REPLICATION, clocks.threadCpuNanos() - cpuAt);
                            }
                        }
                    },
                    replicationWorkers);
            pushesInFlight.put(standby, push);
            pushes.add(push);
        }
        List<String> holders = new ArrayList<>(List.of(node.name()));
        long waitUntil = start + REPLICATION_WAIT.toNanos();
        for (int i = 0; i < pushes.size(); i++) {
            String standby = standbys.get(i);
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
