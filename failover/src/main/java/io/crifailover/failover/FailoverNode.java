package io.crifailover.failover;

import io.crifailover.image.CheckpointMetadata;
import io.crifailover.placement.ClusterConfig;
import io.crifailover.placement.ClusterConfigWriter;
import io.crifailover.placement.CpuInfo;
import io.crifailover.placement.NodeKey;
import io.crifailover.placement.PlacementClient;
import io.crifailover.placement.PlacementReplicaServer;
import io.crifailover.protos.cri.CreateContainerRequest;
import io.crifailover.protos.cri.CreateContainerResponse;
import io.crifailover.protos.cri.ImageServiceGrpc;
import io.crifailover.protos.cri.PodSandboxConfig;
import io.crifailover.protos.cri.RunPodSandboxRequest;
import io.crifailover.protos.cri.RunPodSandboxResponse;
import io.crifailover.protos.cri.RuntimeServiceGrpc;
import io.crifailover.protos.cri.StopContainerRequest;
import io.crifailover.store.AccessPolicy;
import io.crifailover.store.CheckpointStore;
import io.crifailover.store.ChunkParams;
import io.crifailover.store.ClusterKey;
import io.crifailover.store.HmacSigner;
import io.crifailover.store.PeerClient;
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
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's failover machinery, wired together: its placement replica and client, its checkpoint
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

    private final FailoverConfig config;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime;
    private final ProtectedSandboxes sandboxes = new ProtectedSandboxes();
    private final Map<String, PodSandboxConfig> sandboxOfContainer = new ConcurrentHashMap<>();
    private final Set<String> scheduled = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timers;
    private final ExecutorService checkpointWorkers;
    private final ExecutorService restoreWorkers;
    private CheckpointStore store;
    private CheckpointPipeline pipeline;
    private CheckpointScheduler scheduler;
    private RestoreController restore;
    private PlacementLink link;
    private NodeOptIn optIn;
    private PodEvents events;
    private FailoverTimeline timeline;
    private WorkloadResolver workloads;
    private PlacementReplicaServer replica;
    private final CriuOptions criuOptions;
    private volatile CriuReadiness criu = CriuReadiness.checking(java.time.Instant.now());
    /** Protected containers already told (by an Event) that this node cannot checkpoint them. */
    private final Set<String> toldCannotCheckpoint = ConcurrentHashMap.newKeySet();

    private StuckCheckpoints stuck;
    private FenceHold hold;

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
        replica = PlacementReplicaServer.start(config.self().replicaId(), placementDir);
        resources.add(replica);
        PlacementClient client = PlacementClient.connect(
                placementDir, config.self().replicaId(), config.timing().placementTimeout());
        resources.add(client);

        store = CheckpointStore.open(privateDir(state.resolve("store")), ChunkParams.DEFAULT, metrics);
        ClusterKey key = ClusterKey.load(config.clusterKeyFile());
        StoreServer storeServer = StoreServer.start(
                store,
                new AccessPolicy(key, Map.of()),
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
        events = new PodEvents(kube, config.nodeName());
        resources.add(events);
        workloads = new WorkloadResolver(kube);
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
                this::fenceProtectedContainers,
                () -> detector.answeredWithin(config.timing().fenceTimeout()) < 2 * config.f());
        resources.add(link);
        hold = new FenceHold(config.nodeName(), java.time.Instant.now());
        link.onHeartbeat(this::heartbeatAnswered);

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
        scheduler = new CheckpointScheduler(
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
                ImageServiceGrpc.newBlockingStub(runtimeChannel),
                events,
                restoreWorkers,
                timeline);
        resources.add(restore);

        Gauge.builder("crif.protected.containers", () -> scheduled.size()).register(metrics);

        resources.add(ProbeListener.start(new InetSocketAddress(config.nodeAddress(), config.probePort())));
        Map<String, InetSocketAddress> peers = new TreeMap<>();
        config.members().stream()
                .filter(m -> !m.name().equals(config.nodeName()))
                .forEach(m -> peers.put(m.name(), new InetSocketAddress(m.address(), config.probePort())));
        resources.add(new PeerProber(
                        peers, config.timing().probeInterval(), config.timing().probeInterval(), detector)
                .start());

        sandboxes.syncWith(runtime);
        optIn = new NodeOptIn(kube, config.nodeName(), enabled -> timers.execute(this::reconcile)).start();
        resources.add(optIn);
        link.start(config.timing().heartbeat(), () -> scheduled.size(), restore::onDecisions);
        startCriuSelfCheck(work);
        timers.scheduleWithFixedDelay(
                this::reconcile, RECONCILE.toMillis(), RECONCILE.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info(
                "failover started on {} ({}): {} peers, fence {} ms",
                config.nodeName(),
                config.nodeAddress(),
                peers.size(),
                config.timing().fenceTimeout().toMillis());
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
                    timers.execute(this::reconcile);
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

    /** Brings the scheduler in line with what runs now: protected, opted-in, not fenced. */
    private void reconcile() {
        try {
            boolean active = optIn != null && optIn.enabled() && !link.fenced();
            if (active) {
                sandboxes.syncWith(runtime);
            }
            List<ProtectedSandboxes.Protected> running =
                    active ? sandboxes.runningProtectedContainers(runtime) : List.of();
            CriuReadiness criuNow = criu;
            if (!criuNow.ready()) {
                tellCannotCheckpoint(running, criuNow);
                running = List.of();
            }
            Set<String> runningIds = new java.util.HashSet<>();
            for (ProtectedSandboxes.Protected p : running) {
                runningIds.add(p.container().containerId());
                scheduler.protect(p.container(), p.settings());
                scheduled.add(p.container().containerId());
            }
            for (String id : List.copyOf(scheduled)) {
                if (!runningIds.contains(id)) {
                    scheduler.unprotect(id);
                    scheduled.remove(id);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("reconciling protection failed: {}", e.toString());
        }
    }

    /** Posts a {@code CannotCheckpoint} Event once on each protected container when CRIU here cannot checkpoint. */
    private void tellCannotCheckpoint(List<ProtectedSandboxes.Protected> running, CriuReadiness readiness) {
        if (readiness.state() != CriuReadiness.State.NOT_READY) {
            return;
        }
        for (ProtectedSandboxes.Protected p : running) {
            ContainerRef c = p.container();
            if (toldCannotCheckpoint.add(c.containerId())) {
                events.warning(
                        c.namespace(),
                        c.podName(),
                        c.podUid(),
                        PodEvents.CANNOT_CHECKPOINT,
                        "node " + config.nodeName() + " cannot checkpoint " + c.containerName()
                                + ", so it is not protected: " + readiness.reason());
            }
        }
    }

    /**
     * A heartbeat was answered: the fence hold learns whether this node had been declared failed, and which of its
     * lost pods placement restores elsewhere.
     */
    private void heartbeatAnswered(
            PlacementClient c, java.time.Instant sent, io.crifailover.placement.Result.Ack beat) {
        hold.heartbeat(sent, beat.detail(), sandboxes.all());
        java.util.OptionalLong epoch = hold.unresolvedEpoch();
        if (epoch.isPresent()) {
            hold.resolve(epoch.getAsLong(), c.decisions(""));
        }
    }

    /** The placement lease ran out: stop every protected container (the cluster restores them elsewhere). */
    private void fenceProtectedContainers() {
        hold.fenced(java.time.Instant.now(), sandboxes.all());
        for (ProtectedSandboxes.Protected p : sandboxes.runningProtectedContainers(runtime)) {
            ContainerRef c = p.container();
            scheduler.unprotect(c.containerId());
            scheduled.remove(c.containerId());
            try {
                runtime.withDeadlineAfter(10, TimeUnit.SECONDS)
                        .stopContainer(StopContainerRequest.newBuilder()
                                .setContainerId(c.containerId())
                                .setTimeout(0)
                                .build());
                LOG.warn("fenced {}", c);
                events.warning(
                        c.namespace(),
                        c.podName(),
                        c.podUid(),
                        PodEvents.FENCED,
                        "node "
                                + config.nodeName() + " lost the placement quorum for "
                                + config.timing().fenceTimeout().toMillis()
                                + " ms; stopped " + c.containerName() + " so that only one copy runs");
            } catch (RuntimeException e) {
                LOG.error("fencing {} failed: {}", c, e.toString());
            }
        }
    }

    // ---- what the shim's interceptors call ----

    /** RunPodSandbox succeeded: remember its protection settings. */
    public void onRunPodSandbox(RunPodSandboxRequest request, RunPodSandboxResponse response) {
        PodSandboxConfig c = request.getConfig();
        sandboxes
                .record(
                        response.getPodSandboxId(),
                        c.getMetadata().getNamespace(),
                        c.getMetadata().getName(),
                        c.getMetadata().getUid(),
                        c.getLabelsMap(),
                        c.getAnnotationsMap())
                .ifPresent(problem -> events.warning(
                        c.getMetadata().getNamespace(),
                        c.getMetadata().getName(),
                        c.getMetadata().getUid(),
                        PodEvents.CHECKPOINT_FAILED,
                        "not protected: " + problem));
    }

    /**
     * StopPodSandbox / RemovePodSandbox: stop protecting it; if its pod was deleted, its containers
     * leave placement's catalog, so they are never restored (a pod recreated under the same name,
     * as a StatefulSet does, starts a fresh checkpoint history).
     */
    public void onPodSandboxGone(String sandboxId) {
        sandboxes.get(sandboxId).ifPresent(sb -> restoreWorkers.execute(() -> forgetIfDeleted(sb)));
        sandboxes.forget(sandboxId);
        timers.execute(this::reconcile);
    }

    private void forgetIfDeleted(ProtectedSandboxes.Sandbox sb) {
        try {
            if (!workloads.podDeleted(sb.namespace(), sb.podName(), sb.podUid())) {
                return;
            }
            hold.podGone(sb.podUid());
            for (CheckpointPipeline.LastCheckpoint cp :
                    pipeline.lastCheckpoints().values()) {
                ContainerKey key = ContainerKey.parse(cp.container());
                if (key.namespace().equals(sb.namespace()) && key.pod().equals(sb.podName())) {
                    link.submit(c -> LOG.info(
                            "pod {}/{} was deleted: {}",
                            sb.namespace(),
                            sb.podName(),
                            c.forgetContainer(cp.container(), config.nodeName()).detail()));
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("could not tell whether pod {}/{} was deleted: {}", sb.namespace(), sb.podName(), e.toString());
        }
    }

    /**
     * Why this CreateContainer must be refused ({@link FenceHold}): a protected container of a pod this node must not
     * run now; empty otherwise.
     */
    public Optional<String> createRefusal(CreateContainerRequest request) {
        boolean fencedNow = link.fenced();
        if (!hold.holding(fencedNow)) {
            return Optional.empty();
        }
        String name = request.getConfig().getMetadata().getName();
        return protectedSandbox(request.getPodSandboxId(), request.getSandboxConfig())
                .filter(sb -> sb.settings().covers(name))
                .flatMap(sb -> hold.refusal(fencedNow, FenceHold.Pod.of(sb), name));
    }

    /** Why this StartContainer must be refused ({@link FenceHold}); empty otherwise. */
    public Optional<String> startRefusal(String containerId) {
        boolean fencedNow = link.fenced();
        if (!hold.holding(fencedNow)) {
            return Optional.empty();
        }
        List<io.crifailover.protos.cri.Container> found = runtime.withDeadlineAfter(2, TimeUnit.SECONDS)
                .listContainers(io.crifailover.protos.cri.ListContainersRequest.newBuilder()
                        .setFilter(io.crifailover.protos.cri.ContainerFilter.newBuilder()
                                .setId(containerId))
                        .build())
                .getContainersList();
        if (found.isEmpty()) {
            return Optional.empty();
        }
        io.crifailover.protos.cri.Container c = found.get(0);
        String name = c.getMetadata().getName();
        return protectedSandbox(c.getPodSandboxId(), null)
                .filter(sb -> sb.settings().covers(name))
                .flatMap(sb -> hold.refusal(fencedNow, FenceHold.Pod.of(sb), name));
    }

    /** The protected sandbox {@code id}, from the registry, else from {@code config} (kubelet's copy), else the runtime. */
    private Optional<ProtectedSandboxes.Sandbox> protectedSandbox(String id, PodSandboxConfig config) {
        Optional<ProtectedSandboxes.Sandbox> known = sandboxes.get(id);
        if (known.isPresent()) {
            return known;
        }
        PodSandboxConfig c = config;
        if (c == null || !c.hasMetadata()) {
            var status = runtime.withDeadlineAfter(2, TimeUnit.SECONDS)
                    .podSandboxStatus(io.crifailover.protos.cri.PodSandboxStatusRequest.newBuilder()
                            .setPodSandboxId(id)
                            .build())
                    .getStatus();
            c = PodSandboxConfig.newBuilder()
                    .setMetadata(status.getMetadata())
                    .putAllAnnotations(status.getAnnotationsMap())
                    .build();
        }
        try {
            PodSandboxConfig sandbox = c;
            return ProtectionSettings.fromAnnotations(sandbox.getAnnotationsMap())
                    .map(s -> new ProtectedSandboxes.Sandbox(
                            id,
                            sandbox.getMetadata().getNamespace(),
                            sandbox.getMetadata().getName(),
                            sandbox.getMetadata().getUid(),
                            Map.of(),
                            Map.of(),
                            s));
        } catch (InvalidSettingsException e) {
            return Optional.empty();
        }
    }

    /** CreateContainer request: swapped for the checkpoint image when this is a restore for this node. */
    public CreateContainerRequest rewriteCreateContainer(CreateContainerRequest request) {
        return restore.rewrite(request);
    }

    public void onCreateContainer(CreateContainerRequest request, CreateContainerResponse response) {
        sandboxOfContainer.put(response.getContainerId(), request.getSandboxConfig());
    }

    /** StartContainer succeeded: ack a restore if it was one, and start protecting at once. */
    public void onStartContainer(String containerId) {
        PodSandboxConfig sb = sandboxOfContainer.remove(containerId);
        if (sb != null) {
            String name = runtime.withDeadlineAfter(5, TimeUnit.SECONDS)
                    .containerStatus(io.crifailover.protos.cri.ContainerStatusRequest.newBuilder()
                            .setContainerId(containerId)
                            .build())
                    .getStatus()
                    .getMetadata()
                    .getName();
            restore.onStarted(
                    sb.getMetadata().getNamespace(),
                    sb.getAnnotationsMap().get(PodReplacer.RESTORE_FROM),
                    name,
                    sb.getMetadata().getUid());
        }
        timers.execute(this::reconcile);
    }

    /** StopContainer / RemoveContainer: stop checkpointing it. */
    public void onContainerGone(String containerId) {
        scheduler.unprotect(containerId);
        scheduled.remove(containerId);
        pipeline.forget(containerId);
        toldCannotCheckpoint.remove(containerId);
    }

    /** The status page: protected containers, their last checkpoint and holders, the cluster's verdicts. */
    public byte[] statusJson() {
        return StatusReport.of(
                config,
                link,
                optIn != null && optIn.enabled(),
                scheduled,
                pipeline.lastCheckpoints(),
                restore.pendingDecisions(),
                timeline,
                replica.status(),
                replica.restarts(),
                criu,
                stuck.all());
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
