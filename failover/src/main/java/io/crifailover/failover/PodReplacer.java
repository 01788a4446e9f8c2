package io.crifailover.failover;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Replaces the pod of a failed node through the Kubernetes API: deletes it (grace 0: its node is
 * fenced) and creates the replacement with the same name, labels, annotations, owner references
 * and spec, bound to this node and marked with the checkpoint to restore from.
 */
public final class PodReplacer {
    /** Pod annotation: "namespace/Kind/workload/pod" whose containers' checkpoints to restore. */
    public static final String RESTORE_FROM = "cri-failover.io/restore-from";

    private final KubernetesClient kube;
    private final String nodeName;

    public PodReplacer(KubernetesClient kube, String nodeName) {
        this.kube = kube;
        this.nodeName = nodeName;
    }

    /** The outcome of one replacement. */
    public enum Outcome {
        REPLACED,
        ALREADY_HERE,
        POD_GONE
    }

    public Outcome replace(ContainerKey key) {
        Pod old = kube.pods().inNamespace(key.namespace()).withName(key.pod()).get();
        if (old == null) {
            return Outcome.POD_GONE;
        }
        if (nodeName.equals(old.getSpec().getNodeName())) {
            return Outcome.ALREADY_HERE;
        }
        Pod replacement = replacementOf(old, key, nodeName);
        kube.pods()
                .inNamespace(key.namespace())
                .withName(key.pod())
                .withGracePeriod(0)
                .delete();
        kube.pods().inNamespace(key.namespace()).resource(replacement).create();
        return Outcome.REPLACED;
    }

    static Pod replacementOf(Pod old, ContainerKey key, String nodeName) {
        ObjectMeta m = old.getMetadata();
        Map<String, String> annotations =
                new HashMap<>(Optional.ofNullable(m.getAnnotations()).orElse(Map.of()));
        annotations.put(RESTORE_FROM, key.namespace() + "/" + key.workload() + "/" + key.pod());
        annotations.put(RestoreGuard.WORKLOAD, key.workload());
        ObjectMeta meta = new ObjectMetaBuilder()
                .withName(m.getName())
                .withNamespace(m.getNamespace())
                .withLabels(m.getLabels())
                .withAnnotations(annotations)
                .withOwnerReferences(m.getOwnerReferences())
                .build();
        return new PodBuilder()
                .withMetadata(meta)
                .withSpec(new io.fabric8.kubernetes.api.model.PodSpecBuilder(old.getSpec())
                        .withNodeName(nodeName)
                        .build())
                .build();
    }
}
