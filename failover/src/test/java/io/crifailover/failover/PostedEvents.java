package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;

/** What the shim posted to the (mock) API as Kubernetes Events, for unit tests: Events are sent in the background. */
final class PostedEvents {
    private PostedEvents() {}

    /** Waits until {@code namespace} holds exactly one Event: {@code reason}, on {@code pod}, its message containing {@code text}. */
    static void awaitOnly(KubernetesClient kube, String namespace, String reason, String pod, String text) {
        await().untilAsserted(() -> assertThat(
                        kube.v1().events().inNamespace(namespace).list().getItems())
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.getReason()).isEqualTo(reason);
                    assertThat(e.getInvolvedObject().getName()).isEqualTo(pod);
                    assertThat(e.getMessage()).contains(text);
                }));
    }
}
