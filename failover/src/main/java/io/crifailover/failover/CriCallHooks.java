package io.crifailover.failover;

import io.crifailover.protos.cri.ContainerStatusRequest;
import io.crifailover.protos.cri.CreateContainerRequest;
import io.crifailover.protos.cri.CreateContainerResponse;
import io.crifailover.protos.cri.PodSandboxConfig;
import io.crifailover.protos.cri.RunPodSandboxRequest;
import io.crifailover.protos.cri.RunPodSandboxResponse;
import io.crifailover.protos.cri.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What failover does with the CRI calls the shim intercepts: learns protection settings from
 * RunPodSandbox, swaps in the checkpoint image for a restore in CreateContainer, acknowledges a
 * restore and starts protection on StartContainer, stops protecting containers that stop, and
 * takes the containers of a deleted pod out of placement's catalog. Only the CreateContainer rewrite
 * runs before the call; the rest observe answers kubelet already has, and anything slow runs in the
 * background.
 */
public final class CriCallHooks {
    private static final Logger LOG = LoggerFactory.getLogger(CriCallHooks.class);

    private final String nodeName;
    private final RuntimeServiceBlockingStub runtime;
    private final ProtectedSandboxes sandboxes;
    private final ProtectionReconciler protection;
    private final CheckpointPipeline pipeline;
    private final RestoreController restore;
    private final PlacementLink link;
    private final WorkloadResolver workloads;
    private final PodEvents events;
    private final Consumer<String> podDeleted;
    private final Executor background;
    private final Executor timers;
    private final Map<String, PodSandboxConfig> sandboxOfContainer = new ConcurrentHashMap<>();

    /**
     * @param podDeleted told the UID of a protected pod found deleted from the API
     * @param background where API lookups run (a pod's deletion)
     * @param timers     where protection is reconciled after a call
     */
    public CriCallHooks(
            String nodeName,
            RuntimeServiceBlockingStub runtime,
            ProtectedSandboxes sandboxes,
            ProtectionReconciler protection,
            CheckpointPipeline pipeline,
            RestoreController restore,
            PlacementLink link,
            WorkloadResolver workloads,
            PodEvents events,
            Consumer<String> podDeleted,
            Executor background,
            Executor timers) {
        this.nodeName = nodeName;
        this.runtime = runtime;
        this.sandboxes = sandboxes;
        this.protection = protection;
        this.pipeline = pipeline;
        this.restore = restore;
        this.link = link;
        this.workloads = workloads;
        this.events = events;
        this.podDeleted = podDeleted;
        this.background = background;
        this.timers = timers;
    }

    /** RunPodSandbox succeeded: remember its protection settings, or say on the pod why they are not valid. */
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
     * StopPodSandbox / RemovePodSandbox: stop protecting it; if its pod was deleted, its containers leave
     * placement's catalog, so they are never restored (a pod recreated under the same name, as a StatefulSet
     * does, starts a fresh checkpoint history).
     */
    public void onPodSandboxGone(String sandboxId) {
        sandboxes.get(sandboxId).ifPresent(sb -> background.execute(() -> forgetIfDeleted(sb)));
        sandboxes.forget(sandboxId);
        timers.execute(protection::reconcile);
    }

    private void forgetIfDeleted(ProtectedSandboxes.Sandbox sb) {
        try {
            if (!workloads.podDeleted(sb.namespace(), sb.podName(), sb.podUid())) {
                return;
            }
            podDeleted.accept(sb.podUid());
            for (CheckpointPipeline.LastCheckpoint cp :
                    pipeline.lastCheckpoints().values()) {
                ContainerKey key = ContainerKey.parse(cp.container());
                if (key.namespace().equals(sb.namespace()) && key.pod().equals(sb.podName())) {
                    link.submit(c -> LOG.info(
                            "pod {}/{} was deleted: {}",
                            sb.namespace(),
                            sb.podName(),
                            c.forgetContainer(cp.container(), nodeName).detail()));
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("could not tell whether pod {}/{} was deleted: {}", sb.namespace(), sb.podName(), e.toString());
        }
    }

    /** CreateContainer request: swapped for the checkpoint image when this is a restore for this node. */
    public CreateContainerRequest rewriteCreateContainer(CreateContainerRequest request) {
        return restore.rewrite(request);
    }

    /** CreateContainer succeeded: remember the container's sandbox until it starts. */
    public void onCreateContainer(CreateContainerRequest request, CreateContainerResponse response) {
        sandboxOfContainer.put(response.getContainerId(), request.getSandboxConfig());
    }

    /** StartContainer succeeded: ack a restore if it was one, and start protecting at once. */
    public void onStartContainer(String containerId) {
        PodSandboxConfig sb = sandboxOfContainer.remove(containerId);
        if (sb != null) {
            String name = runtime.withDeadlineAfter(5, TimeUnit.SECONDS)
                    .containerStatus(ContainerStatusRequest.newBuilder()
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
        timers.execute(protection::reconcile);
    }

    /** StopContainer / RemoveContainer: stop checkpointing it. */
    public void onContainerGone(String containerId) {
        protection.forget(containerId);
        pipeline.forget(containerId);
    }
}
