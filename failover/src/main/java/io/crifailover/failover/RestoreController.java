package io.crifailover.failover;

import io.crifailover.oci.Digest;
import io.crifailover.placement.DecisionStatus;
import io.crifailover.placement.RestoreDecision;
import io.crifailover.protos.cri.AuthConfig;
import io.crifailover.protos.cri.CreateContainerRequest;
import io.crifailover.protos.cri.ImageServiceGrpc.ImageServiceBlockingStub;
import io.crifailover.protos.cri.ImageSpec;
import io.crifailover.protos.cri.PodSandboxConfig;
import io.crifailover.protos.cri.PullImageRequest;
import io.crifailover.store.CheckpointStore;
import io.crifailover.store.RestorePins;
import io.crifailover.store.RuntimeCredentials;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the restore decisions that target this node. As soon as a decision is seen, the pod
 * is replaced through the API and the checkpoint image is pulled from the local store into the
 * runtime (CRI PullImage with the shim's {@link RuntimeCredentials}: the store serves no anonymous
 * pull), so the sandbox and the image are ready while the failed node's fence lease runs out.
 * When kubelet creates the replacement's container, {@link #rewrite} swaps its image for the
 * checkpoint image — only for a pending decision for this node and only if the pod's namespace and
 * workload (read from the API) match the checkpoint's; otherwise the container cold-starts and a
 * RestoreRefused event says why. That one CreateContainer call (the restore itself) is held until
 * the fence wait since the decision has passed, so the failed node's copy is stopped before the
 * restored one exists; no other kubelet call ever waits. When the restored container starts, the
 * decision is acknowledged to placement.
 */
public final class RestoreController implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RestoreController.class);
    private static final Duration PULL_DEADLINE = Duration.ofSeconds(60);
    /** After this many failed pulls of its checkpoint image a restore gives up and the container cold-starts. */
    static final int MAX_PULL_ATTEMPTS = 3;

    private final String nodeName;
    private final Duration fenceWait;
    private final PodReplacer replacer;
    private final WorkloadResolver workloads;
    private final PlacementLink placement;
    private final CheckpointStore store;
    private final String storeHostPort;
    private final RuntimeCredentials credentials;
    private final ImageServiceBlockingStub images;
    private final PodEvents events;
    private final Executor executor;
    private final FailoverTimeline timeline;
    private final Counter restoresFailed;
    private final Set<Long> scheduled = ConcurrentHashMap.newKeySet();
    private final Set<Long> reported = ConcurrentHashMap.newKeySet();
    private final Map<String, Prepared> pending = new ConcurrentHashMap<>();
    /** Failed checkpoint-image pulls per pending restore, each answered UNAVAILABLE so that kubelet retries. */
    private final Map<String, Integer> failedPulls = new ConcurrentHashMap<>();

    private final Map<String, InFlight> restoring = new ConcurrentHashMap<>();

    /** A container created from a checkpoint whose start has not been seen yet. */
    private record InFlight(RestoreDecision decision, ContainerKey key, RestorePins.Pin pin) {}

    /** A decision for this node: when its fence wait ends, and its checkpoint image pulled into the runtime. */
    private record Prepared(
            RestoreDecision decision,
            ContainerKey key,
            long notBeforeNanos,
            Instant decidedAt,
            String image,
            CompletableFuture<RestorePins.Pin> pulled) {
        /** The same decision with a fresh pull (the first one failed). */
        Prepared pullAgain() {
            return new Prepared(decision, key, notBeforeNanos, decidedAt, image, new CompletableFuture<>());
        }

        /** Unpins the checkpoint image once (if) it was pulled. */
        void release() {
            pulled.thenAccept(RestorePins.Pin::close);
        }
    }

    public RestoreController(
            String nodeName,
            Duration fenceWait,
            PodReplacer replacer,
            WorkloadResolver workloads,
            PlacementLink placement,
            CheckpointStore store,
            String storeHostPort,
            RuntimeCredentials credentials,
            ImageServiceBlockingStub images,
            PodEvents events,
            Executor executor,
            FailoverTimeline timeline,
            MeterRegistry metrics) {
        this.nodeName = nodeName;
        this.fenceWait = fenceWait;
        this.replacer = replacer;
        this.workloads = workloads;
        this.placement = placement;
        this.store = store;
        this.storeHostPort = storeHostPort;
        this.credentials = credentials;
        this.images = images;
        this.events = events;
        this.executor = executor;
        this.timeline = timeline;
        this.restoresFailed = Counter.builder("crif.restore.failed")
                .description("restores given up after their checkpoint image could not be pulled: cold starts")
                .register(metrics);
    }

    /** Called with the decisions placement lists for this node (on the placement thread: never blocks). */
    public void onDecisions(List<RestoreDecision> decisions) {
        for (RestoreDecision d : decisions) {
            if (d.status() == DecisionStatus.NO_COMPATIBLE_NODE && reported.add(d.decisionId())) {
                executor.execute(() -> reportNoTarget(d));
            }
            if (d.status() != DecisionStatus.PENDING
                    || !nodeName.equals(d.target())
                    || !scheduled.add(d.decisionId())) {
                continue;
            }
            timeline.mark(d.containerId(), FailoverTimeline.Phase.DECIDED);
            Prepared prepared;
            try {
                ContainerKey key = ContainerKey.parse(d.containerId());
                prepared = new Prepared(
                        d,
                        key,
                        System.nanoTime() + fenceWait.toNanos(),
                        Instant.now(),
                        storeHostPort + "/" + key.repository() + "@" + d.checkpointDigest(),
                        new CompletableFuture<>());
            } catch (IllegalArgumentException e) {
                LOG.warn("decision {} names an unknown container key: {}", d.decisionId(), d.containerId());
                continue;
            }
            Prepared replaced = pending.put(d.containerId(), prepared);
            if (replaced != null) {
                replaced.release();
            }
            LOG.info(
                    "decision {}: restore {} (checkpoint #{}) here; the container starts after the fence wait "
                            + "of {} ms",
                    d.decisionId(),
                    d.containerId(),
                    d.checkpointSequence(),
                    fenceWait.toMillis());
            executor.execute(() -> replace(prepared));
            executor.execute(() -> pull(prepared));
        }
    }

    /** Pulls the checkpoint image from the local store into the runtime, pinned against retention. */
    private void pull(Prepared p) {
        RestorePins.Pin pin = store.pins().pin(Digest.parse(p.decision().checkpointDigest()));
        long start = System.nanoTime();
        try {
            images.withDeadlineAfter(PULL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                    .pullImage(PullImageRequest.newBuilder()
                            .setImage(ImageSpec.newBuilder().setImage(p.image()))
                            .setAuth(auth())
                            .build());
            LOG.info(
                    "decision {}: checkpoint image pulled in {} ms",
                    p.decision().decisionId(),
                    (System.nanoTime() - start) / 1_000_000);
            p.pulled().complete(pin);
        } catch (RuntimeException e) {
            pin.close();
            p.pulled().completeExceptionally(e);
        }
    }

    /**
     * The store refuses anonymous pulls: the runtime pulls with the shim's current credential, for the store only
     * (containerd parses the server address as a URL and compares its host with the image's).
     */
    private AuthConfig auth() {
        RuntimeCredentials.Credential c = credentials.current();
        return AuthConfig.newBuilder()
                .setServerAddress("http://" + storeHostPort)
                .setUsername(c.user())
                .setPassword(c.password())
                .build();
    }

    private void reportNoTarget(RestoreDecision d) {
        try {
            ContainerKey key = ContainerKey.parse(d.containerId());
            events.warning(
                    key.namespace(),
                    key.pod(),
                    "",
                    PodEvents.RESTORE_REFUSED,
                    "no live node with compatible CPU flags holds checkpoint #" + d.checkpointSequence() + " of "
                            + key.container() + ": " + d.reason());
        } catch (IllegalArgumentException e) {
            LOG.warn("decision {} names an unknown container key: {}", d.decisionId(), d.containerId());
        }
    }

    private void replace(Prepared p) {
        RestoreDecision d = p.decision();
        ContainerKey key = p.key();
        try {
            PodReplacer.Outcome outcome = replacer.replace(key);
            timeline.mark(d.containerId(), FailoverTimeline.Phase.POD_REPLACED);
            LOG.info("decision {}: pod {}/{} {}", d.decisionId(), key.namespace(), key.pod(), outcome);
            if (outcome == PodReplacer.Outcome.POD_GONE) {
                // deleted while its node was failed: nothing to restore, and it must never be restored later
                Prepared dropped = pending.remove(d.containerId());
                if (dropped != null) {
                    dropped.release();
                }
                placement.submit(c -> LOG.info(
                        "decision {}: {}",
                        d.decisionId(),
                        c.forgetContainer(d.containerId(), nodeName).detail()));
            }
            if (outcome == PodReplacer.Outcome.REPLACED) {
                events.normal(
                        key.namespace(),
                        key.pod(),
                        "",
                        PodEvents.RESTORING,
                        "node " + d.failedNode()
                                + " failed; restoring " + key.container() + " from checkpoint #"
                                + d.checkpointSequence()
                                + " on " + nodeName);
            }
        } catch (RuntimeException e) {
            LOG.error("decision {}: replacing the pod failed: {}", d.decisionId(), e.toString());
            scheduled.remove(d.decisionId());
        }
    }

    /**
     * CreateContainer interceptor: returns the request with the checkpoint image when this container
     * is to be restored here, else the request unchanged.
     */
    public CreateContainerRequest rewrite(CreateContainerRequest request) {
        var sandbox = request.getSandboxConfig();
        String from = sandbox.getAnnotationsMap().get(PodReplacer.RESTORE_FROM);
        if (from == null) {
            return request;
        }
        String containerName = request.getConfig().getMetadata().getName();
        String keyText = from + "/" + containerName;
        Prepared p = pending.get(keyText);
        String ns = sandbox.getMetadata().getNamespace();
        String pod = sandbox.getMetadata().getName();
        if (p == null) {
            LOG.info("{}: no pending restore decision for this node: cold start", keyText);
            return request;
        }
        // held before anything else, so that neither the restore nor a cold-start fallback runs beside the old copy
        long heldMs = waitForFence(p, keyText);
        RestoreDecision d = p.decision();
        ContainerKey key = p.key();
        long lookupStart = System.nanoTime();
        RestoreGuard.Identity target =
                new RestoreGuard.Identity(ns, workloads.workloadOf(ns, pod).orElse(null));
        long lookupMs = (System.nanoTime() - lookupStart) / 1_000_000;
        RestoreGuard.Verdict verdict = RestoreGuard.check(key.identity(), target);
        if (!verdict.allowed()) {
            events.warning(ns, pod, sandbox.getMetadata().getUid(), PodEvents.RESTORE_REFUSED, verdict.reason());
            LOG.warn("{}: restore refused: {}", keyText, verdict.reason());
            return request;
        }
        if (p.pulled().isCompletedExceptionally()) {
            // kubelet retries a failed CreateContainer: pull again rather than repeat the old failure
            Prepared again = p.pullAgain();
            pending.put(keyText, again);
            pull(again);
            p = again;
        }
        RestorePins.Pin pin;
        try {
            pin = p.pulled().get(PULL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            Throwable why = e instanceof ExecutionException ? e.getCause() : e;
            events.warning(
                    ns,
                    pod,
                    sandbox.getMetadata().getUid(),
                    PodEvents.RESTORE_REFUSED,
                    "checkpoint image " + p.image() + " could not be pulled: " + why.getMessage());
            int failures = failedPulls.merge(keyText, 1, Integer::sum);
            if (failures >= MAX_PULL_ATTEMPTS) {
                giveUp(p, keyText, failures, why, sandbox);
                return request;
            }
            throw new RestoreUnavailableException(
                    keyText + ": checkpoint image " + p.image() + " could not be pulled (" + why.getMessage()
                            + "); retry the CreateContainer",
                    why);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RestoreUnavailableException(
                    keyText + ": interrupted waiting for checkpoint image " + p.image(), e);
        }
        pending.remove(keyText);
        failedPulls.remove(keyText);
        restoring.put(keyText, new InFlight(d, key, pin));
        timeline.mark(keyText, FailoverTimeline.Phase.RESTORE_CREATE);
        LOG.info(
                "{}: restoring from {} (workload lookup {} ms, held {} ms for the fence wait)",
                keyText,
                p.image(),
                lookupMs,
                heldMs);
        return request.toBuilder()
                .setConfig(request.getConfig().toBuilder()
                        .setImage(ImageSpec.newBuilder().setImage(p.image())))
                .build();
    }

    /**
     * Deliberate cold start after {@code failures} failed pulls (kubelet would otherwise retry for ever and the pod
     * never run): the pod is told how much state is lost, the container leaves placement's catalog (its decision
     * with it, so nothing stays pending and no later failure restores the stale checkpoint), and it is counted.
     */
    private void giveUp(Prepared p, String keyText, int failures, Throwable why, PodSandboxConfig sandbox) {
        RestoreDecision d = p.decision();
        pending.remove(keyText);
        failedPulls.remove(keyText);
        p.release();
        long sinceFailureS = Duration.between(p.decidedAt(), Instant.now()).toSeconds();
        String message = "checkpoint image " + p.image() + " (checkpoint #" + d.checkpointSequence() + ", taken before "
                + d.failedNode() + " failed " + sinceFailureS + " s ago) could not be pulled in " + failures
                + " attempts (" + why.getMessage() + "): cold start, all of the container's state is lost";
        events.warning(
                sandbox.getMetadata().getNamespace(),
                sandbox.getMetadata().getName(),
                sandbox.getMetadata().getUid(),
                PodEvents.RESTORE_FAILED,
                message);
        LOG.error("{}: {}", keyText, message);
        restoresFailed.increment();
        placement.submit(c -> LOG.info(
                "decision {} given up: {}",
                d.decisionId(),
                c.forgetContainer(d.containerId(), nodeName).detail()));
    }

    /** Holds the restore until the failed node's fence lease has run out; returns how long it held. */
    private static long waitForFence(Prepared p, String keyText) {
        long held = Math.max(0, p.notBeforeNanos() - System.nanoTime());
        while (System.nanoTime() - p.notBeforeNanos() < 0) {
            if (Thread.interrupted()) {
                // the shim ends a waiting call at its deadline or when kubelet cancels it: stop, never spin
                Thread.currentThread().interrupt();
                throw new RestoreUnavailableException(keyText + ": interrupted during the fence wait", null);
            }
            LockSupport.parkNanos(p.notBeforeNanos() - System.nanoTime());
        }
        return held / 1_000_000;
    }

    /** StartContainer succeeded for a container created from {@code request}'s sandbox and name. */
    public void onStarted(String namespace, String restoreFrom, String containerName, String podUid) {
        if (restoreFrom == null) {
            return;
        }
        String keyText = restoreFrom + "/" + containerName;
        InFlight f = restoring.remove(keyText);
        if (f == null) {
            return;
        }
        f.pin().close();
        timeline.mark(keyText, FailoverTimeline.Phase.RESTORED);
        placement.submit(
                c -> c.ackRestore(f.decision().containerId(), f.decision().decisionId(), nodeName));
        events.normal(
                namespace,
                f.key().pod(),
                podUid,
                PodEvents.RESTORED,
                "restored " + containerName
                        + " from checkpoint #" + f.decision().checkpointSequence() + " (node "
                        + f.decision().failedNode()
                        + " failed)");
    }

    /** Containers waiting for a restore (for status output). */
    public Map<String, RestoreDecision> pendingDecisions() {
        Map<String, RestoreDecision> out = new java.util.TreeMap<>();
        pending.forEach((k, p) -> out.put(k, p.decision()));
        return out;
    }

    @Override
    public void close() {
        restoring.values().forEach(f -> f.pin().close());
        pending.values().forEach(Prepared::release);
    }
}
