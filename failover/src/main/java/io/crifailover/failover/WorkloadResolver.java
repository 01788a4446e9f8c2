package io.crifailover.failover;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Optional;

/**
 * Finds the workload a pod belongs to (its controller owner reference) through the Kubernetes
 * API. Kubelet does not pass owner references to the runtime, so this is looked up off the hot
 * path: at checkpoint time and when a restore is about to be rewritten.
 */
public final class WorkloadResolver {
    private final KubernetesClient kube;

    public WorkloadResolver(KubernetesClient kube) {
        this.kube = kube;
    }

    /** "Kind/name" of the pod's controller, "Pod/name" for a bare pod, empty if the pod is gone. */
    /** Whether the pod {@code namespace/podName} with this uid is gone from the API (deleted, or replaced by another). */
    public boolean podDeleted(String namespace, String podName, String podUid) {
        Pod pod = kube.pods().inNamespace(namespace).withName(podName).get();
        return pod == null || !podUid.equals(pod.getMetadata().getUid());
    }

    public Optional<String> workloadOf(String namespace, String podName) {
        Pod pod = kube.pods().inNamespace(namespace).withName(podName).get();
        return Optional.ofNullable(pod).map(WorkloadResolver::workloadOf);
    }

    static String workloadOf(Pod pod) {
        return Optional.ofNullable(pod.getMetadata().getOwnerReferences()).stream()
                .flatMap(java.util.List::stream)
                .filter(o -> Boolean.TRUE.equals(o.getController()))
                .findFirst()
                .map(WorkloadResolver::format)
                .orElse("Pod/" + pod.getMetadata().getName());
    }

    private static String format(OwnerReference o) {
        return o.getKind() + "/" + o.getName();
    }

    public ContainerKey keyOf(ContainerRef c) {
        String workload = workloadOf(c.namespace(), c.podName())
                .orElseThrow(() -> new IllegalStateException(
                        "pod " + c.namespace() + "/" + c.podName() + " not found in the API"));
        String[] kindName = workload.split("/", 2);
        return new ContainerKey(c.namespace(), kindName[0], kindName[1], c.podName(), c.containerName());
    }
}
