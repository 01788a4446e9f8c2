package io.crifailover.failover;

import io.crifailover.protos.cri.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the checkpoint scheduler in line with what runs: every protected container that is running
 * is scheduled while the node is opted in, not fenced and its CRIU can checkpoint; every other one
 * is not. When CRIU cannot checkpoint, each protected container gets one {@code CannotCheckpoint}
 * Event saying why.
 */
public final class ProtectionReconciler {
    private static final Logger LOG = LoggerFactory.getLogger(ProtectionReconciler.class);

    private final String nodeName;
    private final RuntimeServiceBlockingStub runtime;
    private final ProtectedSandboxes sandboxes;
    private final CheckpointScheduler scheduler;
    private final PodEvents events;
    private final BooleanSupplier active;
    private final Supplier<CriuReadiness> criu;
    private final Set<String> scheduled = ConcurrentHashMap.newKeySet();
    /** Protected containers already told (by an Event) that this node cannot checkpoint them. */
    private final Set<String> toldCannotCheckpoint = ConcurrentHashMap.newKeySet();

    /**
     * @param active whether protection may run now (the node opted in and is not fenced)
     * @param criu   what CRIU's self-check found, now
     */
    public ProtectionReconciler(
            String nodeName,
            RuntimeServiceBlockingStub runtime,
            ProtectedSandboxes sandboxes,
            CheckpointScheduler scheduler,
            PodEvents events,
            BooleanSupplier active,
            Supplier<CriuReadiness> criu) {
        this.nodeName = nodeName;
        this.runtime = runtime;
        this.sandboxes = sandboxes;
        this.scheduler = scheduler;
        this.events = events;
        this.active = active;
        this.criu = criu;
    }

    /** One pass: asks the runtime what runs and schedules or unschedules; a failure is logged, never thrown. */
    public void reconcile() {
        try {
            boolean on = active.getAsBoolean();
            if (on) {
                sandboxes.syncWith(runtime);
            }
            List<ProtectedSandboxes.Protected> running = on ? sandboxes.runningProtectedContainers(runtime) : List.of();
            CriuReadiness criuNow = criu.get();
            if (!criuNow.ready()) {
                tellCannotCheckpoint(running, criuNow);
                running = List.of();
            }
            Set<String> runningIds = new HashSet<>();
            for (ProtectedSandboxes.Protected p : running) {
                runningIds.add(p.container().containerId());
                scheduler.protect(p.container(), p.settings());
                scheduled.add(p.container().containerId());
            }
            for (String id : List.copyOf(scheduled)) {
                if (!runningIds.contains(id)) {
                    unprotect(id);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("reconciling protection failed: {}", e.toString());
        }
    }

    /** Stops checkpointing {@code containerId} (it stopped, went away or is being fenced). */
    public void unprotect(String containerId) {
        scheduler.unprotect(containerId);
        scheduled.remove(containerId);
    }

    /** The container is gone for good: it may be told again if a container of that id ever comes back. */
    public void forget(String containerId) {
        unprotect(containerId);
        toldCannotCheckpoint.remove(containerId);
    }

    /** The ids of the containers being checkpointed now. */
    public Set<String> scheduled() {
        return Set.copyOf(scheduled);
    }

    /** How many containers are being checkpointed now (the node's load for placement). */
    public int count() {
        return scheduled.size();
    }

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
                        "node " + nodeName + " cannot checkpoint " + c.containerName() + ", so it is not protected: "
                                + readiness.reason());
            }
        }
    }
}
