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
 * second and writes pod status back. All work runs on one thread, like kubelet's pod workers
 * serialised.
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
        if (pods.containsKey(uid)) {
            return;
        }
        PodSandboxConfig sandbox = PodSandboxConfigs.sandbox(pod, cgroupParent, logRoot);
        String sandboxId = cri.runtime()
                .runPodSandbox(
                        RunPodSandboxRequest.newBuilder().setConfig(sandbox).build())
                .getPodSandboxId();
        Map<String, String> containerIds = new ConcurrentHashMap<>();
        pods.put(
                uid,
                new LocalPod(
                        pod.getMetadata().getNamespace(), pod.getMetadata().getName(), uid, sandboxId, containerIds));
        for (var c : pod.getSpec().getContainers()) {
            pullIfNotPresent(c.getImage());
            ContainerConfig config = PodSandboxConfigs.container(pod, c);
            String id = cri.runtime()
                    .createContainer(CreateContainerRequest.newBuilder()
                            .setPodSandboxId(sandboxId)
                            .setConfig(config)
                            .setSandboxConfig(sandbox)
                            .build())
                    .getContainerId();
            cri.runtime()
                    .startContainer(StartContainerRequest.newBuilder()
                            .setContainerId(id)
                            .build());
            containerIds.put(c.getName(), id);
        }
        LOG.info(
                "agent {}: started pod {}/{} ({} containers)",
                nodeName,
                pod.getMetadata().getNamespace(),
                pod.getMetadata().getName(),
                containerIds.size());
        writeStatus(pods.get(uid));
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
        LOG.info("agent {}: removed pod {}/{}", nodeName, local.namespace(), local.name());
    }

    private void relist() {
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
