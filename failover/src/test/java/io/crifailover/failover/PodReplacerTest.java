package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;

/** Against the fabric8 mock API server in CRUD mode (the one accepted stand-in for the API server). */
@EnableKubernetesMockClient(crud = true)
class PodReplacerTest {
    private static final ContainerKey KEY = new ContainerKey("shop", "StatefulSet", "cart", "cart-0", "app");

    KubernetesClient kube;

    @Test
    void aPodOfAFailedNodeIsRecreatedHereWithItsIdentityAndTheCheckpointToRestore() {
        kube.pods().inNamespace("shop").resource(pod("node-1")).create();

        assertThat(new PodReplacer(kube, "node-2").replace(KEY)).isEqualTo(PodReplacer.Outcome.REPLACED);

        Pod now = kube.pods().inNamespace("shop").withName("cart-0").get();
        assertThat(now.getSpec().getNodeName()).isEqualTo("node-2");
        assertThat(now.getSpec().getContainers()).extracting(c -> c.getImage()).containsExactly("cart:1");
        assertThat(now.getMetadata().getLabels()).containsEntry("app", "cart");
        assertThat(now.getMetadata().getOwnerReferences())
                .extracting(o -> o.getName())
                .containsExactly("cart");
        assertThat(now.getMetadata().getAnnotations())
                .containsEntry("cri-failover.io/enabled", "true")
                .containsEntry(PodReplacer.RESTORE_FROM, "shop/StatefulSet/cart/cart-0")
                .containsEntry(RestoreGuard.WORKLOAD, KEY.workload());
    }

    @Test
    void aPodAlreadyBoundHereIsLeftAlone() {
        Pod created = kube.pods().inNamespace("shop").resource(pod("node-2")).create();

        assertThat(new PodReplacer(kube, "node-2").replace(KEY)).isEqualTo(PodReplacer.Outcome.ALREADY_HERE);

        Pod now = kube.pods().inNamespace("shop").withName("cart-0").get();
        assertThat(now.getMetadata().getUid()).isEqualTo(created.getMetadata().getUid());
        assertThat(now.getMetadata().getAnnotations()).doesNotContainKey(PodReplacer.RESTORE_FROM);
    }

    @Test
    void aPodDeletedMeanwhileIsNotRecreated() {
        assertThat(new PodReplacer(kube, "node-2").replace(KEY)).isEqualTo(PodReplacer.Outcome.POD_GONE);
        assertThat(kube.pods().inNamespace("shop").withName("cart-0").get()).isNull();
    }

    private static Pod pod(String node) {
        return new PodBuilder()
                .withNewMetadata()
                .withName("cart-0")
                .withNamespace("shop")
                .addToLabels("app", "cart")
                .addToAnnotations("cri-failover.io/enabled", "true")
                .withOwnerReferences(new OwnerReferenceBuilder()
                        .withApiVersion("apps/v1")
                        .withKind("StatefulSet")
                        .withName("cart")
                        .withUid("uid-cart")
                        .build())
                .endMetadata()
                .withNewSpec()
                .withNodeName(node)
                .addNewContainer()
                .withName("app")
                .withImage("cart:1")
                .endContainer()
                .endSpec()
                .build();
    }
}
