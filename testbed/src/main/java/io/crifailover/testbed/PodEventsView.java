package io.crifailover.testbed;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Comparator;
import java.util.List;

/** Reads the Kubernetes Events the shims posted about a pod, oldest first. */
public final class PodEventsView {
    private final KubernetesClient kube;

    public PodEventsView(KubernetesClient kube) {
        this.kube = kube;
    }

    public List<Event> of(String namespace, String pod) {
        return kube.v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> e.getInvolvedObject() != null
                        && pod.equals(e.getInvolvedObject().getName()))
                .sorted(Comparator.comparing(e -> String.valueOf(e.getFirstTimestamp())))
                .toList();
    }

    public long count(String namespace, String pod, String reason) {
        return of(namespace, pod).stream()
                .filter(e -> reason.equals(e.getReason()))
                .count();
    }
}
