package io.crifailover.failover;

import io.crifailover.image.CheckpointMetadata;
import io.crifailover.placement.ClusterConfig;
import io.crifailover.placement.ClusterConfigWriter;
import io.crifailover.placement.CpuInfo;
import io.crifailover.placement.NodeKey;
import io.crifailover.placement.PlacementClient;
import io.crifailover.placement.ReplicaProcess;
import io.crifailover.protos.cri.CreateContainerRequest;
import io.crifailover.protos.cri.CreateContainerResponse;
import io.crifailover.protos.cri.ImageServiceGrpc;
import io.crifailover.protos.cri.RunPodSandboxRequest;
import io.crifailover.protos.cri.RunPodSandboxResponse;
import io.crifailover.protos.cri.RuntimeServiceGrpc;
import io.crifailover.store.AccessPolicy;
import io.crifailover.store.CheckpointStore;
import io.crifailover.store.ChunkParams;
import io.crifailover.store.ClusterKey;
import io.crifailover.store.HmacSigner;
import io.crifailover.store.PeerClient;
import io.crifailover.store.RuntimeCredentials;
import io.crifailover.store.StoreServer;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.grpc.Channel;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's failover machinery, wired together: its placement replica (a supervised child process,
 * {@link ReplicaProcess}) and client, its checkpoint
 * store (registry for the runtime, replication for peers), peer probing, self-fencing, the
 * checkpoint scheduler and the restore controller. The shim feeds it the CRI calls it intercepts
 * ({@link #onRunPodSandbox}, {@link #rewriteCreateContainer}, ...); it talks to the runtime
 * through its own channel, never on a kubelet call's thread.
 */
public final class FailoverNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FailoverNode.class);
    private static final Duration RECONCILE = Duration.ofSeconds(1);
    /** A standby that stops answering mid-push is given up after this long without a byte (the store's default is 120 s). */
    private static final int PEER_READ_TIMEOUT_MS = 30_000;
    /** The placement replica's output, in the state directory. */
    static final String REPLICA_LOG = "placement-replica.log";
    /** How long the start waits for its replica (a first start needs a quorum of them up). */
    private static final Duration REPLICA_READY_WITHIN = Duration.ofSeconds(180);
    /** The runtime's pull credential, in the state directory (0600): a fresh one at every start. */
    static final String RUNTIME_CREDENTIALS = "runtime-pull-credentials";
    /**
     * How often the runtime's pull credential is replaced; the store still accepts the one before, so a pull
     * (at most a minute) that spans a rotation succeeds.
     */
    private static final Duration CREDENTIAL_ROTATION = Duration.ofHours(1);
    /** The status page's cluster view: refreshed each second while read in the last minute, else every 30 s. */
    private static final Duration VIEW_REFRESH = Duration.ofSeconds(1);

    private static final Duration VIEW_INTEREST = Duration.ofMinutes(1);
    private static final Duration VIEW_IDLE_BOUND = Duration.ofSeconds(30);

    private final FailoverConfig config;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime;
    private final ProtectedSandboxes sandboxes = new ProtectedSandboxes();
    private final ScheduledExecutorService timers;
    private final ExecutorService checkpointWorkers;
    private final ExecutorService restoreWorkers;
    private CheckpointStore store;
    private CheckpointPipeline pipeline;
    private RestoreController restore;
    private ProtectionReconciler protection;
    private ContainerFence containerFence;
    private CriCallHooks hooks;
    private PlacementLink link;
    private ClusterView clusterView;
    private NodeOptIn optIn;
    private FailoverTimeline timeline;
    private ReplicaProcess replica;
    private final CriuOptions criuOptions;
    private volatile CriuReadiness criu = CriuReadiness.checking(java.time.Instant.now());

    private StuckCheckpoints stuck;
    private FenceGate gate;

    private FailoverNode(FailoverConfig config, Channel runtimeChannel, CriuOptions criuOptions) {
        this.config = config;
        this.criuOptions = criuOptions;
        this.runtime = RuntimeServiceGrpc.newBlockingStub(runtimeChannel);
        this.timers = Executors.newScheduledThreadPool(2, PeerProber.daemon("failover-timer"));
        this.checkpointWorkers = Executors.newFixedThreadPool(2, PeerProber.daemon("checkpoint-worker"));
        this.restoreWorkers = Executors.newFixedThreadPool(2, PeerProber.daemon("restore-worker"));
    }

    /** Starts everything; {@code runtimeChannel} reaches the real runtime (not the shim). */
    public static FailoverNode start(FailoverConfig config, Channel runtimeChannel, MeterRegistry metrics)
            throws IOException {
        return start(config, runtimeChannel, metrics, CriuOptions.defaults());
    }

    /** Starts everything, checking and bounding CRIU as {@code criuOptions} say. */
    public static FailoverNode start(
            FailoverConfig config, Channel runtimeChannel, MeterRegistry metrics, CriuOptions criuOptions)
            throws IOException {
        FailoverNode node = new FailoverNode(config, runtimeChannel, criuOptions);
        try {
            node.startParts(runtimeChannel, metrics);
            return node;
        } catch (IOException | RuntimeException e) {
            node.close();
            throw e;
        }
    }

    private void startParts(Channel runtimeChannel, MeterRegistry metrics) throws IOException {
        Path state = privateDir(config.stateDir());
        Path placementDir = privateDir(state.resolve("placement"));
        Path work = privateDir(state.resolve("work"));
        clearDirectory(work);

        NodeKey placementKey = NodeKey.loadOrCreate(config.placementKeyFile());
        LOG.info("placement public key of {}: {}", config.nodeName(), placementKey.publicKeyText());
        ClusterConfig placement = PlacementMembers.of(config, placementKey);
        ClusterConfigWriter.write(placementDir, placement);
        ClusterConfigWriter.writePrivateKey(
                placementDir, placement, config.self().replicaId(), placementKey);
        replica = ReplicaProcess.start(
                config.self().replicaId(), placementDir, ReplicaProcess.Options.defaults(state.resolve(REPLICA_LOG)));
        resources.add(replica);
        awaitReplica();
        PlacementClient client = PlacementClient.connect(
                placementDir, config.self().replicaId(), config.timing().placementTimeout());
        resources.add(client);

        store = CheckpointStore.open(privateDir(state.resolve("store")), ChunkParams.DEFAULT, metrics);
        ClusterKey key = ClusterKey.load(config.clusterKeyFile());
        RuntimeCredentials pullCredentials = RuntimeCredentials.create(state.resolve(RUNTIME_CREDENTIALS));
        timers.scheduleWithFixedDelay(
                () -> rotate(pullCredentials),
                CREDENTIAL_ROTATION.toMillis(),
                CREDENTIAL_ROTATION.toMillis(),
                TimeUnit.MILLISECONDS);
        StoreServer storeServer = StoreServer.start(
                store,
                new AccessPolicy(key, Map.of(), pullCredentials),
                List.of(
                        new InetSocketAddress("127.0.0.1", config.storePort()),
                        new InetSocketAddress(config.nodeAddress(), config.storePort())));
        resources.add(storeServer);
        Map<String, PeerClient> peerStores = new TreeMap<>();
        for (FailoverConfig.Member m : config.members()) {
            if (!m.name().equals(config.nodeName())) {
                peerStores.put(
                        m.name(),
                        new PeerClient(
                                "http://" + m.address() + ":" + config.storePort(),
                                new HmacSigner(key, config.nodeName()),
                                PEER_READ_TIMEOUT_MS));
            }
        }

        KubernetesClient kube =
                new KubernetesClientBuilder().withConfig(kubeConfig()).build();
        resources.add(kube);
        PodEvents events = new PodEvents(kube, config.nodeName());
        resources.add(events);
        WorkloadResolver workloads = new WorkloadResolver(kube);
        timeline = new FailoverTimeline(metrics);

        CpuInfo cpu = CpuInfo.local();
        List<String> flags = config.cpuFlags() == null ? cpu.flags() : config.cpuFlags();
        FailureDetector detector =
                new FailureDetector(config.timing().probeThreshold(), new FailureDetector.Listener() {
                    @Override
                    public void suspect(String peer) {
                        LOG.warn(
                                "peer {} missed {} probes: suspecting it",
                                peer,
                                config.timing().probeThreshold());
                        timeline.suspected(peer);
                        link.suspect(peer);
                    }

                    @Override
                    public void reachableAgain(String peer) {
                        LOG.info("peer {} answers again", peer);
                        link.cleared(peer);
                    }
                });
        SelfFence fence = new SelfFence(config.timing().fenceTimeout());
        link = new PlacementLink(
                client,
                new PlacementLink.Self(
                        config.nodeName(),
                        config.nodeAddress(),
                        cpu.arch(),
                        flags,
                        config.capacity(),
                        false,
                        io.crifailover.placement.Xsave.UNKNOWN),
                fence,
                Clock.systemUTC(),
                () -> {
                    gate.fenced();
                    containerFence.stopProtectedContainers();
                },
                () -> detector.answeredWithin(config.timing().fenceTimeout()) < 2 * config.f());
        resources.add(link);
        gate = new FenceGate(
                config.nodeName(),
                new FenceHold(config.nodeName(), java.time.Instant.now()),
                link::fenced,
                sandboxes,
                runtime);
        link.onHeartbeat(gate::heartbeatAnswered);
        clusterView = new ClusterView(link, Clock.systemUTC(), VIEW_INTEREST, VIEW_IDLE_BOUND);

        pipeline = new CheckpointPipeline(
                runtime,
                store,
                work,
                new CheckpointPipeline.NodeIdentity(
                        config.nodeName(), CheckpointMetadata.localArchitecture(), flags, flagsDigest(flags)),
                workloads,
                link,
                peerStores,
                events,
                metrics,
                new CheckpointDeadline(criuOptions.checkpointTimeoutFloor()),
                stuck = new StuckCheckpoints(new RunningDumps(Path.of("/proc")), Clock.systemUTC(), metrics));
        CheckpointScheduler scheduler = new CheckpointScheduler(
                TaskScheduler.of(timers),
                checkpointWorkers,
                pipeline,
                interval -> ThreadLocalRandom.current().nextLong(Math.max(1, interval)),
                Duration.ofMinutes(5));
        restore = new RestoreController(
                config.nodeName(),
                config.timing().fenceWait(),
                new PodReplacer(kube, config.nodeName()),
                workloads,
                link,
                store,
                "127.0.0.1:" + config.storePort(),
                pullCredentials,
                ImageServiceGrpc.newBlockingStub(runtimeChannel),
                events,
                restoreWorkers,
                timeline,
                metrics);
        resources.add(restore);
        protection = new ProtectionReconciler(
                config.nodeName(),
                runtime,
                sandboxes,
                scheduler,
                events,
                () -> optIn != null && optIn.enabled() && !link.fenced(),
                () -> criu);
        containerFence = new ContainerFence(
                config.nodeName(), config.timing().fenceTimeout(), runtime, sandboxes, protection, events);
        hooks = new CriCallHooks(
                config.nodeName(),
                runtime,
                sandboxes,
                protection,
                pipeline,
                restore,
                link,
                workloads,
                events,
                gate::podGone,
                restoreWorkers,
                timers);

        Gauge.builder("crif.protected.containers", protection::count).register(metrics);

        resources.add(ProbeListener.start(new InetSocketAddress(config.nodeAddress(), config.probePort())));
        Map<String, InetSocketAddress> peers = new TreeMap<>();
        config.members().stream()
                .filter(m -> !m.name().equals(config.nodeName()))
                .forEach(m -> peers.put(m.name(), new InetSocketAddress(m.address(), config.probePort())));
        resources.add(new PeerProber(
                        peers, config.timing().probeInterval(), config.timing().probeInterval(), detector)
                .start());

        sandboxes.syncWith(runtime);
        optIn = new NodeOptIn(kube, config.nodeName(), enabled -> timers.execute(protection::reconcile)).start();
        resources.add(optIn);
        link.start(config.timing().heartbeat(), protection::count, restore::onDecisions);
        clusterView.start(timers, VIEW_REFRESH);
        startCriuSelfCheck(work);
        timers.scheduleWithFixedDelay(
                protection::reconcile, RECONCILE.toMillis(), RECONCILE.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info(
                "failover started on {} ({}): {} peers, fence {} ms",
                config.nodeName(),
                config.nodeAddress(),
                peers.size(),
                config.timing().fenceTimeout().toMillis());
    }

    /**
     * Waits for this node's replica, as the start did when the replica ran in the shim, so the client's first
     * connection to it succeeds; after the bound the start goes on and the client reconnects later.
     */
    private void awaitReplica() {
        try {
            if (!replica.awaitReady(REPLICA_READY_WITHIN)) {
                LOG.warn(
                        "placement replica {} not ready after {} s; starting without it",
                        config.self().replicaId(),
                        REPLICA_READY_WITHIN.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the placement replica", e);
        }
    }

    /**
     * CRIU's own checks, in the background (each step bounded): until they pass, placement knows this node as "CRIU
     * not ready" and its protected containers are not checkpointed.
     */
    private void startCriuSelfCheck(Path work) {
        CriuSelfCheck check = new CriuSelfCheck(
                criuOptions.binary(),
                new ProcessRunner(),
                criuOptions.checkLimit(),
                work,
                Clock.systemUTC(),
                criuOptions.xsaveOverride());
        Thread t = new Thread(
                () -> {
                    CriuReadiness result = check.run();
                    criu = result;
                    PlacementLink.Self self = link.self();
                    link.announce(self.withCriu(result.ready(), result.xsave()));
                    timers.execute(protection::reconcile);
                },
                "criu-self-check");
        t.setDaemon(true);
        t.start();
    }

    private Config kubeConfig() throws IOException {
        if (config.kubeconfig() == null) {
            return Config.autoConfigure(null);
        }
        // with the file's path fabric8 re-reads it when it refreshes (every minute, and after a 401), so a
        // rotated service-account token written there by the installer is picked up without a restart
        return Config.fromKubeconfig(
                null, Files.readString(config.kubeconfig()), config.kubeconfig().toString());
    }

    // ---- what the shim's interceptors call (see CriCallHooks) ----

    /** RunPodSandbox succeeded. */
    public void onRunPodSandbox(RunPodSandboxRequest request, RunPodSandboxResponse response) {
        hooks.onRunPodSandbox(request, response);
    }

    /** StopPodSandbox / RemovePodSandbox succeeded. */
    public void onPodSandboxGone(String sandboxId) {
        hooks.onPodSandboxGone(sandboxId);
    }

    /** Why this CreateContainer must be refused (the fence holds, {@link FenceGate}); empty when it may go ahead. */
    public Optional<String> createRefusal(CreateContainerRequest request) {
        return gate.createRefusal(request);
    }

    /** Why this StartContainer must be refused (the fence holds, {@link FenceGate}); empty when it may go ahead. */
    public Optional<String> startRefusal(String containerId) {
        return gate.startRefusal(containerId);
    }

    /** CreateContainer request: swapped for the checkpoint image when this is a restore for this node. */
    public CreateContainerRequest rewriteCreateContainer(CreateContainerRequest request) {
        return hooks.rewriteCreateContainer(request);
    }

    /** CreateContainer succeeded. */
    public void onCreateContainer(CreateContainerRequest request, CreateContainerResponse response) {
        hooks.onCreateContainer(request, response);
    }

    /** StartContainer succeeded. */
    public void onStartContainer(String containerId) {
        hooks.onStartContainer(containerId);
    }

    /** StopContainer / RemoveContainer succeeded. */
    public void onContainerGone(String containerId) {
        hooks.onContainerGone(containerId);
    }

    /**
     * The status page: protected containers, their last checkpoint and holders, the cluster's verdicts as the
     * last background refresh saw them (no placement call).
     */
    public byte[] statusJson() {
        return StatusReport.of(
                config,
                link,
                clusterView.read(),
                java.time.Instant.now(),
                optIn != null && optIn.enabled(),
                protection.scheduled(),
                pipeline.lastCheckpoints(),
                restore.pendingDecisions(),
                timeline,
                replica.status(),
                replica.restarts(),
                criu,
                stuck.all(),
                pipeline.catalogStats());
    }

    private static void rotate(RuntimeCredentials credentials) {
        try {
            credentials.rotate();
            LOG.info("rotated the runtime's pull credential");
        } catch (IOException | RuntimeException e) {
            LOG.warn("rotating the runtime's pull credential failed (the current one stays): {}", e.toString());
        }
    }

    static String flagsDigest(List<String> flags) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(
                    String.join(" ", new java.util.TreeSet<>(flags)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path privateDir(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        return dir;
    }

    /** Temporary checkpoint files of a previous run are half-written by definition: remove them. */
    private static void clearDirectory(Path dir) throws IOException {
        try (var entries = Files.list(dir)) {
            for (Path p : entries.toList()) {
                Directories.deleteTree(p);
            }
        }
    }

    @Override
    public void close() {
        timers.shutdownNow();
        checkpointWorkers.shutdownNow();
        restoreWorkers.shutdownNow();
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                LOG.warn("closing {} failed: {}", resources.get(i).getClass().getSimpleName(), e.toString());
            }
        }
    }
}
