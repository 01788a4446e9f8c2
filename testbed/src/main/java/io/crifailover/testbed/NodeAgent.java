package io.crifailover.testbed;

import io.crifailover.protos.cri.ContainerConfig;
import io.crifailover.protos.cri.ContainerState;
import io.crifailover.protos.cri.ContainerStatusRequest;
import io.crifailover.protos.cri.CreateContainerRequest;
import io.crifailover.protos.cri.PodSandboxConfig;
import io.crifailover.protos.cri.PodSandboxStatusRequest;
import io.crifailover.protos.cri.RemovePodSandboxRequest;
import io.crifailover.protos.cri.RunPodSandboxRequest;
import io.crifailover.protos.cri.StartContainerRequest;
import io.crifailover.protos.cri.StopPodSandboxRequest;
import io.crifailover.testsupport.CriClient;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays kubelet for one node: watches the pods bound to the node in the Kubernetes API and drives
 * CRI exactly as kubelet does (RunPodSandbox with the pod's labels and annotations,
 * CreateContainer, StartContainer; StopPodSandbox and RemovePodSandbox on deletion), relists every
 * second and writes pod status back. Like kubelet with restartPolicy Always, every relist also
 * restarts exited containers (a new container with the next attempt number), creates missing ones,
 * and recreates a sandbox that is gone or not ready, whether or not the API is reachable; a refused
 * restart is retried at the next relist and logged only when its reason changes. All work runs on
 * one thread, like kubelet's pod workers serialised.
 */
public final class NodeAgent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeAgent.class);

    private final String nodeName;
    private final KubernetesClient kube;
    private final CriClient cri;
    private final String cgroupParent;
    private final Path logRoot;
    private final ScheduledExecutorService worker;
    private final Map<String, LocalPod> pods = new ConcurrentHashMap<>();
    /** The pod as last seen bound here, by UID: what the restart loop keeps running. */
    private final Map<String, Pod> specs = new ConcurrentHashMap<>();
    /** The last problem reported per pod UID and container, so a retried failure is logged once. */
    private final Map<String, String> lastProblem = new ConcurrentHashMap<>();
    /** The last exited container replaced by a restart, per pod UID and container (kept for its logs, as kubelet does). */
    private final Map<String, String> lastDead = new ConcurrentHashMap<>();

    private final java.util.concurrent.atomic.AtomicLong refusedRestarts = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong restarts = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean apiReachable = true;
    private SharedIndexInformer<Pod> informer;

    /** What the agent started for one pod. */
    public record LocalPod(
            String namespace, String name, String uid, String sandboxId, Map<String, String> containerIds) {}

    public NodeAgent(String nodeName, KubernetesClient kube, CriClient cri, String cgroupParent, Path logRoot) {
        this.nodeName = nodeName;
        this.kube = kube;
        this.cri = cri;
        this.cgroupParent = cgroupParent;
        this.logRoot = logRoot;
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "agent-" + nodeName);
            t.setDaemon(true);
            return t;
        });
    }

    public NodeAgent start() {
        informer = kube.pods()
                .inAnyNamespace()
                .inform(
                        new ResourceEventHandler<>() {
                            @Override
                            public void onAdd(Pod pod) {
                                submit(() -> sync(pod));
                            }

                            @Override
                            public void onUpdate(Pod oldPod, Pod pod) {
                                submit(() -> sync(pod));
                            }

                            @Override
                            public void onDelete(Pod pod, boolean unknownFinalState) {
                                submit(() -> remove(pod.getMetadata().getUid()));
                            }
                        },
                        0);
        worker.scheduleWithFixedDelay(this::relist, 1, 1, TimeUnit.SECONDS);
        return this;
    }

    public String nodeName() {
        return nodeName;
    }

    /** Simulates losing (false) or regaining (true) the node's connection to the API server. */
    public void setApiReachable(boolean reachable) {
        this.apiReachable = reachable;
        if (reachable) {
            submit(this::resync);
        }
    }

    /** Like kubelet after a lost connection: start what is bound here, remove what no longer is. */
    private void resync() {
        List<Pod> bound = kube.pods().inAnyNamespace().list().getItems().stream()
                .filter(p -> nodeName.equals(p.getSpec().getNodeName()))
                .toList();
        java.util.Set<String> uids = new java.util.HashSet<>();
        bound.forEach(p -> uids.add(p.getMetadata().getUid()));
        for (String uid : List.copyOf(pods.keySet())) {
            if (!uids.contains(uid)) {
                remove(uid);
            }
        }
        bound.forEach(this::sync);
    }

    /** Restarts (or late creations) of containers that the runtime refused with FAILED_PRECONDITION. */
    public long refusedRestarts() {
        return refusedRestarts.get();
    }

    /** Containers restarted or created late by the restart loop. */
    public long restarts() {
        return restarts.get();
    }

    /** The pods this agent has running, by pod UID. */
    public Map<String, LocalPod> pods() {
        return Map.copyOf(pods);
    }

    private void submit(Runnable task) {
        if (!apiReachable || worker.isShutdown()) {
            return;
        }
        worker.execute(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("agent {}: {}", nodeName, e.toString());
            }
        });
    }

    private void sync(Pod pod) {
        if (!nodeName.equals(pod.getSpec().getNodeName())) {
            return;
        }
        String uid = pod.getMetadata().getUid();
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            remove(uid);
            return;
        }
        specs.put(uid, pod);
        if (pods.containsKey(uid)) {
            return;
        }
        LocalPod local = runSandbox(pod);
        for (var c : pod.getSpec().getContainers()) {
            pullIfNotPresent(c.getImage());
            createAndStart(pod, local, c, 0);
        }
        LOG.info(
                "agent {}: started pod {}/{} ({} containers)",
                nodeName,
                pod.getMetadata().getNamespace(),
                pod.getMetadata().getName(),
                local.containerIds().size());
        writeStatus(pods.get(uid));
    }

    private LocalPod runSandbox(Pod pod) {
        PodSandboxConfig sandbox = PodSandboxConfigs.sandbox(pod, cgroupParent, logRoot);
        String sandboxId = cri.runtime()
                .runPodSandbox(
                        RunPodSandboxRequest.newBuilder().setConfig(sandbox).build())
                .getPodSandboxId();
        LocalPod local = new LocalPod(
                pod.getMetadata().getNamespace(),
                pod.getMetadata().getName(),
                pod.getMetadata().getUid(),
                sandboxId,
                new ConcurrentHashMap<>());
        pods.put(local.uid(), local);
        return local;
    }

    /** Creates the container (recorded in {@code local} at once) and starts it. */
    private void createAndStart(Pod pod, LocalPod local, io.fabric8.kubernetes.api.model.Container c, int attempt) {
        ContainerConfig base = PodSandboxConfigs.container(pod, c);
        ContainerConfig config = base.toBuilder()
                .setMetadata(base.getMetadata().toBuilder().setAttempt(attempt))
                .setLogPath(c.getName() + "/" + attempt + ".log")
                .build();
        String id = cri.runtime()
                .createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(local.sandboxId())
                        .setConfig(config)
                        .setSandboxConfig(PodSandboxConfigs.sandbox(pod, cgroupParent, logRoot))
                        .build())
                .getContainerId();
        local.containerIds().put(c.getName(), id);
        start(id);
    }

    private void start(String containerId) {
        cri.runtime()
                .startContainer(StartContainerRequest.newBuilder()
                        .setContainerId(containerId)
                        .build());
    }

    /**
     * kubelet's sync of one pod with restartPolicy Always: a sandbox that is gone or not ready is replaced (its
     * containers with it), a missing container is created, an exited one is replaced by the next attempt.
     */
    private void keepRunning(LocalPod local) {
        Pod pod = specs.get(local.uid());
        if (pod == null) {
            return;
        }
        LocalPod current = local;
        if (!sandboxReady(local.sandboxId())) {
            String problem = attempt(local.uid(), "sandbox", () -> {
                cri.runtime()
                        .stopPodSandbox(StopPodSandboxRequest.newBuilder()
                                .setPodSandboxId(local.sandboxId())
                                .build());
                cri.runtime()
                        .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                                .setPodSandboxId(local.sandboxId())
                                .build());
                runSandbox(pod);
            });
            if (problem != null) {
                return;
            }
            current = pods.get(local.uid());
            LOG.info("agent {}: sandbox of pod {}/{} recreated", nodeName, local.namespace(), local.name());
        }
        for (var c : pod.getSpec().getContainers()) {
            String id = current.containerIds().get(c.getName());
            int next = 0;
            if (id != null) {
                var st = cri.runtime()
                        .containerStatus(ContainerStatusRequest.newBuilder()
                                .setContainerId(id)
                                .build())
                        .getStatus();
                if (st.getState() == ContainerState.CONTAINER_CREATED) {
                    // created, but its start failed or was refused: start it again
                    if (attempt(local.uid(), c.getName(), () -> start(id)) == null) {
                        restarts.incrementAndGet();
                    }
                    continue;
                }
                if (st.getState() != ContainerState.CONTAINER_EXITED) {
                    continue;
                }
                next = st.getMetadata().getAttempt() + 1;
            }
            int attemptNumber = next;
            LocalPod target = current;
            String problem = attempt(local.uid(), c.getName(), () -> createAndStart(pod, target, c, attemptNumber));
            if (problem == null) {
                restarts.incrementAndGet();
                if (id != null) {
                    forgetDead(lastDead.put(local.uid() + "/" + c.getName(), id));
                }
                LOG.info(
                        "agent {}: {} container {} of pod {}/{} (attempt {})",
                        nodeName,
                        id == null ? "created" : "restarted",
                        c.getName(),
                        local.namespace(),
                        local.name(),
                        attemptNumber);
            }
        }
    }

    /** Removes an exited container two restarts old (kubelet's garbage collection keeps one per container). */
    private void forgetDead(String containerId) {
        if (containerId == null) {
            return;
        }
        try {
            cri.runtime()
                    .removeContainer(io.crifailover.protos.cri.RemoveContainerRequest.newBuilder()
                            .setContainerId(containerId)
                            .build());
        } catch (io.grpc.StatusRuntimeException e) {
            LOG.debug("agent {}: exited container {} not removed: {}", nodeName, containerId, e.getStatus());
        }
    }

    /** Runs one CRI step of the restart loop; returns null when it worked, else why not (logged when it changed). */
    private String attempt(String uid, String what, Runnable step) {
        String key = uid + "/" + what;
        try {
            step.run();
            lastProblem.remove(key);
            return null;
        } catch (io.grpc.StatusRuntimeException e) {
            if (e.getStatus().getCode() == io.grpc.Status.Code.FAILED_PRECONDITION) {
                refusedRestarts.incrementAndGet();
            }
            String problem = e.getStatus().getCode() + ": " + e.getStatus().getDescription();
            if (!problem.equals(lastProblem.put(key, problem))) {
                LOG.info(
                        "agent {}: {} of pod {} not (re)started, retried every relist: {}",
                        nodeName,
                        what,
                        uid,
                        problem);
            }
            return problem;
        }
    }

    private boolean sandboxReady(String sandboxId) {
        try {
            return cri.runtime()
                            .podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                                    .setPodSandboxId(sandboxId)
                                    .build())
                            .getStatus()
                            .getState()
                    == io.crifailover.protos.cri.PodSandboxState.SANDBOX_READY;
        } catch (io.grpc.StatusRuntimeException e) {
            if (e.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    /** kubelet's default pull policy for tagged images: pull only when the runtime lacks the image. */
    private void pullIfNotPresent(String image) {
        var spec =
                io.crifailover.protos.cri.ImageSpec.newBuilder().setImage(image).build();
        boolean present = cri.images()
                .imageStatus(io.crifailover.protos.cri.ImageStatusRequest.newBuilder()
                        .setImage(spec)
                        .build())
                .hasImage();
        if (!present) {
            cri.images()
                    .pullImage(io.crifailover.protos.cri.PullImageRequest.newBuilder()
                            .setImage(spec)
                            .build());
        }
    }

    private void remove(String uid) {
        LocalPod local = pods.get(uid);
        if (local == null) {
            return;
        }
        cri.runtime()
                .stopPodSandbox(StopPodSandboxRequest.newBuilder()
                        .setPodSandboxId(local.sandboxId())
                        .build());
        cri.runtime()
                .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                        .setPodSandboxId(local.sandboxId())
                        .build());
        pods.remove(uid);
        specs.remove(uid);
        lastProblem.keySet().removeIf(k -> k.startsWith(uid + "/"));
        lastDead.keySet().removeIf(k -> k.startsWith(uid + "/"));
        LOG.info("agent {}: removed pod {}/{}", nodeName, local.namespace(), local.name());
    }

    private void relist() {
        for (LocalPod local : pods.values()) {
            try {
                keepRunning(local);
                lastProblem.remove(local.uid() + "/sync");
            } catch (RuntimeException e) {
                if (!e.toString().equals(lastProblem.put(local.uid() + "/sync", e.toString()))) {
                    LOG.info(
                            "agent {}: sync of {} failed, retried every relist: {}",
                            nodeName,
                            local.name(),
                            e.toString());
                }
            }
        }
        if (!apiReachable) {
            return;
        }
        for (LocalPod local : pods.values()) {
            try {
                writeStatus(local);
            } catch (RuntimeException e) {
                LOG.debug("agent {}: status of {} not written: {}", nodeName, local.name(), e.toString());
            }
        }
    }

    private void writeStatus(LocalPod local) {
        String podIp = cri.runtime()
                .podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                        .setPodSandboxId(local.sandboxId())
                        .build())
                .getStatus()
                .getNetwork()
                .getIp();
        List<ContainerStatus> statuses = new ArrayList<>();
        boolean allRunning = true;
        boolean anyFailed = false;
        for (var e : local.containerIds().entrySet()) {
            var st = cri.runtime()
                    .containerStatus(ContainerStatusRequest.newBuilder()
                            .setContainerId(e.getValue())
                            .build())
                    .getStatus();
            boolean running = st.getState() == ContainerState.CONTAINER_RUNNING;
            allRunning &= running;
            anyFailed |= st.getState() == ContainerState.CONTAINER_EXITED && st.getExitCode() != 0;
            statuses.add(new ContainerStatusBuilder()
                    .withName(e.getKey())
                    .withImage(st.getImage().getImage())
                    .withContainerID("containerd://" + e.getValue())
                    .withReady(running)
                    .withRestartCount(0)
                    .withState(
                            running
                                    ? new ContainerStateBuilder()
                                            .withNewRunning()
                                            .withStartedAt(Instant.ofEpochSecond(0, st.getStartedAt())
                                                    .toString())
                                            .endRunning()
                                            .build()
                                    : new ContainerStateBuilder()
                                            .withNewTerminated()
                                            .withExitCode(st.getExitCode())
                                            .withReason(st.getReason())
                                            .endTerminated()
                                            .build())
                    .build());
        }
        String phase = allRunning ? "Running" : anyFailed ? "Failed" : "Succeeded";
        Pod current = kube.pods()
                .inNamespace(local.namespace())
                .withName(local.name())
                .get();
        if (current == null || !Objects.equals(current.getMetadata().getUid(), local.uid())) {
            return;
        }
        var newStatus = new PodStatusBuilder()
                .withPhase(phase)
                .withPodIP(podIp)
                .withHostIP(nodeName)
                .withContainerStatuses(statuses)
                .build();
        if (Objects.equals(current.getStatus(), newStatus)) {
            return;
        }
        current.setStatus(newStatus);
        kube.pods().inNamespace(local.namespace()).resource(current).updateStatus();
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
        worker.shutdownNow();
        try {
            worker.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
