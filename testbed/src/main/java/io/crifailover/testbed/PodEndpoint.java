package io.crifailover.testbed;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Where a Service would send a client of one pod: the pod's IP once its node reported the pod
 * Running, learnt from a watch on the API as kube-proxy learns endpoints. A pod whose node was cut
 * off keeps its last reported address until the pod is replaced (the API does not know better), so
 * clients keep trying the old IP until then, as they would in a cluster.
 */
public final class PodEndpoint implements AutoCloseable {
    private final String name;
    private final AtomicReference<Pod> current = new AtomicReference<>();
    private final SharedIndexInformer<Pod> informer;

    /** The pod's address and the node it was bound to when that address was reported. */
    public record Address(String ip, String node) {}

    /** Watches pod {@code namespace/name} (also across its replacement by a pod of the same name). */
    public PodEndpoint(KubernetesClient kube, String namespace, String name) {
        this.name = name;
        this.informer = kube.pods()
                .inNamespace(namespace)
                .inform(
                        new ResourceEventHandler<>() {
                            @Override
                            public void onAdd(Pod pod) {
                                seen(pod);
                            }

                            @Override
                            public void onUpdate(Pod oldPod, Pod pod) {
                                seen(pod);
                            }

                            @Override
                            public void onDelete(Pod pod, boolean unknownFinalState) {
                                String uid = pod.getMetadata().getUid();
                                current.updateAndGet(p ->
                                        p != null && uid.equals(p.getMetadata().getUid()) ? null : p);
                            }
                        },
                        0);
    }

    private void seen(Pod pod) {
        if (name.equals(pod.getMetadata().getName())) {
            current.set(pod);
        }
    }

    /** The address to send requests to now, if the pod runs and its node reported its IP. */
    public Optional<Address> address() {
        return Optional.ofNullable(current.get())
                .filter(p ->
                        p.getStatus() != null && "Running".equals(p.getStatus().getPhase()))
                .filter(p -> p.getStatus().getPodIP() != null
                        && !p.getStatus().getPodIP().isBlank())
                .map(p -> new Address(p.getStatus().getPodIP(), p.getSpec().getNodeName()));
    }

    @Override
    public void close() {
        informer.close();
    }
}
