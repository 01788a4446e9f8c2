package io.crifailover.failover;

import io.crifailover.protos.cri.Container;
import io.crifailover.protos.cri.ContainerFilter;
import io.crifailover.protos.cri.ContainerState;
import io.crifailover.protos.cri.ContainerStateValue;
import io.crifailover.protos.cri.ListContainersRequest;
import io.crifailover.protos.cri.ListPodSandboxRequest;
import io.crifailover.protos.cri.PodSandbox;
import io.crifailover.protos.cri.PodSandboxState;
import io.crifailover.protos.cri.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which pod sandboxes are protected and with which settings. Filled from RunPodSandbox as kubelet
 * calls it, and rebuilt after a shim restart from the runtime itself (the sandbox annotations
 * survive in the runtime), so nothing lives only in the shim's memory.
 */
public final class ProtectedSandboxes {
    private static final Logger LOG = LoggerFactory.getLogger(ProtectedSandboxes.class);

    /** One protected sandbox: its identity and settings. */
    public record Sandbox(
            String id,
            String namespace,
            String podName,
            String podUid,
            Map<String, String> labels,
            Map<String, String> annotations,
            ProtectionSettings settings) {}

    private final Map<String, Sandbox> byId = new ConcurrentHashMap<>();

    /**
     * Records a sandbox if its annotations opt it in. Invalid settings leave it unprotected and are
     * reported through the returned exception message, never thrown at kubelet's call.
     */
    public Optional<String> record(
            String sandboxId,
            String namespace,
            String podName,
            String podUid,
            Map<String, String> labels,
            Map<String, String> annotations) {
        try {
            ProtectionSettings.fromAnnotations(annotations).ifPresent(s -> {
                Sandbox previous = byId.put(
                        sandboxId,
                        new Sandbox(
                                sandboxId, namespace, podName, podUid, Map.copyOf(labels), Map.copyOf(annotations), s));
                if (previous != null && previous.settings().equals(s)) {
                    return;
                }
                LOG.info(
                        "pod {}/{} is protected: checkpoint every {}, keep {}, containers {}",
                        namespace,
                        podName,
                        s.interval(),
                        s.keep(),
                        s.containers().isEmpty() ? "all" : s.containers());
            });
            return Optional.empty();
        } catch (InvalidSettingsException e) {
            LOG.warn("pod {}/{} not protected: {}", namespace, podName, e.getMessage());
            return Optional.of(e.getMessage());
        }
    }

    public void forget(String sandboxId) {
        byId.remove(sandboxId);
    }

    public Optional<Sandbox> get(String sandboxId) {
        return Optional.ofNullable(byId.get(sandboxId));
    }

    public List<Sandbox> all() {
        return List.copyOf(byId.values());
    }

    /**
     * Brings the registry in line with the runtime's ready sandboxes (their annotations carry the
     * settings): after a shim restart, and periodically, so a sandbox created while the shim was not
     * yet intercepting, or an observation that was dropped, is never missed.
     */
    public void syncWith(RuntimeServiceBlockingStub runtime) {
        java.util.Set<String> ready = new java.util.HashSet<>();
        for (PodSandbox pod : runtime.listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                .getItemsList()) {
            if (pod.getState() == PodSandboxState.SANDBOX_READY) {
                ready.add(pod.getId());
                record(
                        pod.getId(),
                        pod.getMetadata().getNamespace(),
                        pod.getMetadata().getName(),
                        pod.getMetadata().getUid(),
                        pod.getLabelsMap(),
                        pod.getAnnotationsMap());
            }
        }
        byId.keySet().retainAll(ready);
    }

    /** A running container that its pod's settings protect. */
    public record Protected(ContainerRef container, ProtectionSettings settings) {}

    /** The running containers the settings cover, as the runtime lists them now. */
    public List<Protected> runningProtectedContainers(RuntimeServiceBlockingStub runtime) {
        List<Protected> refs = new ArrayList<>();
        for (Sandbox sb : byId.values()) {
            List<Container> containers = runtime.listContainers(ListContainersRequest.newBuilder()
                            .setFilter(ContainerFilter.newBuilder()
                                    .setPodSandboxId(sb.id())
                                    .setState(ContainerStateValue.newBuilder()
                                            .setState(ContainerState.CONTAINER_RUNNING)))
                            .build())
                    .getContainersList();
            for (Container c : containers) {
                if (sb.settings().covers(c.getMetadata().getName())) {
                    refs.add(new Protected(
                            new ContainerRef(
                                    c.getId(),
                                    sb.namespace(),
                                    sb.podName(),
                                    sb.podUid(),
                                    c.getMetadata().getName()),
                            sb.settings()));
                }
            }
        }
        return refs;
    }
}
