package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.crifailover.placement.DecisionStatus;
import io.crifailover.placement.PlacementClient;
import io.crifailover.placement.RestoreDecision;
import io.crifailover.placement.Result;
import io.crifailover.protos.cri.ContainerConfig;
import io.crifailover.protos.cri.ContainerMetadata;
import io.crifailover.protos.cri.CreateContainerRequest;
import io.crifailover.protos.cri.ImageSpec;
import io.crifailover.protos.cri.PodSandboxConfig;
import io.crifailover.protos.cri.PodSandboxMetadata;
import io.crifailover.store.CheckpointStore;
import io.crifailover.store.RuntimeCredentials;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real store in a temp dir, a CRI image service in process, the fabric8 mock API (CRUD) for pods
 * and Events; only placement's client is a Mockito mock (the link's calls are pure plumbing here).
 */
@EnableKubernetesMockClient(crud = true)
class RestoreControllerTest {
    private static final String CONTAINER = "shop/StatefulSet/cart/cart-0/app";
    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    KubernetesClient kube;

    @TempDir
    Path dir;

    private final PlacementClient client = mock(PlacementClient.class);
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private FakeRuntime runtime;
    private PodEvents events;
    private PlacementLink link;
    private CheckpointStore store;
    private RestoreController restore;
    private RuntimeCredentials credentials;

    @BeforeEach
    void setUp() throws Exception {
        runtime = new FakeRuntime();
        events = new PodEvents(kube, "node-2");
        store = CheckpointStore.open(dir.resolve("store"));
        credentials = RuntimeCredentials.create(dir.resolve("runtime-pull-credentials"));
        when(client.forgetContainer(CONTAINER, "node-2")).thenReturn(new Result.Ack(true, CONTAINER + " forgotten"));
        link = TestLinks.of(client, "node-2", "10.0.0.2");
        restore = new RestoreController(
                "node-2",
                Duration.ZERO,
                new PodReplacer(kube, "node-2"),
                new WorkloadResolver(kube),
                link,
                store,
                "127.0.0.1:5050",
                credentials,
                runtime.images(),
                events,
                Runnable::run,
                new FailoverTimeline(metrics),
                metrics);
        kube.pods()
                .inNamespace("shop")
                .resource(new PodBuilder()
                        .withNewMetadata()
                        .withName("cart-0")
                        .withNamespace("shop")
                        .withOwnerReferences(new OwnerReferenceBuilder()
                                .withApiVersion("apps/v1")
                                .withKind("StatefulSet")
                                .withName("cart")
                                .withUid("uid-cart")
                                .withController(true)
                                .build())
                        .endMetadata()
                        .withNewSpec()
                        .withNodeName("node-1")
                        .addNewContainer()
                        .withName("app")
                        .withImage("cart:1")
                        .endContainer()
                        .endSpec()
                        .build())
                .create();
    }

    @AfterEach
    void tearDown() throws Exception {
        restore.close();
        link.close();
        events.close();
        runtime.close();
    }

    @Test
    void aDecisionForThisNodeReplacesThePodPullsTheImageAndRestoresFromIt() {
        restore.onDecisions(List.of(decision()));

        assertThat(kube.pods()
                        .inNamespace("shop")
                        .withName("cart-0")
                        .get()
                        .getSpec()
                        .getNodeName())
                .isEqualTo("node-2");
        String image = "127.0.0.1:5050/ckpt/shop/cart-0/app@" + DIGEST;
        assertThat(runtime.pulled).containsExactly(image);
        assertThat(runtime.pullAuth).singleElement().satisfies(auth -> {
            assertThat(auth.getServerAddress()).isEqualTo("http://127.0.0.1:5050");
            assertThat(auth.getUsername()).isEqualTo(credentials.current().user());
            assertThat(auth.getPassword()).isEqualTo(credentials.current().password());
        });
        CreateContainerRequest rewritten = restore.rewrite(createContainer("shop/StatefulSet/cart/cart-0"));
        assertThat(rewritten.getConfig().getImage().getImage()).isEqualTo(image);
        assertThat(restore.pendingDecisions()).isEmpty();
    }

    @Test
    void aContainerWithoutADecisionHereStartsAsAsked() {
        CreateContainerRequest request = createContainer("shop/StatefulSet/cart/cart-0");
        assertThat(restore.rewrite(request)).isEqualTo(request);
    }

    @Test
    void aCheckpointOfAnotherWorkloadIsNotRestoredIntoThisPod() {
        restore.onDecisions(List.of(decision()));
        kube.pods()
                .inNamespace("shop")
                .withName("cart-0")
                .edit(p -> new PodBuilder(p)
                        .editMetadata()
                        .withOwnerReferences(new OwnerReferenceBuilder()
                                .withApiVersion("apps/v1")
                                .withKind("StatefulSet")
                                .withName("intruder")
                                .withUid("uid-intruder")
                                .withController(true)
                                .build())
                        .endMetadata()
                        .build());
        CreateContainerRequest request = createContainer("shop/StatefulSet/cart/cart-0");

        assertThat(restore.rewrite(request)).isEqualTo(request);
        await().untilAsserted(() -> assertThat(reasons()).contains(PodEvents.RESTORE_REFUSED));
    }

    @Test
    void anImageThatCannotBePulledIsRetriedByKubeletThenGivenUpLoudly() {
        runtime.pullsFail.set(true);
        restore.onDecisions(List.of(decision()));
        CreateContainerRequest request = createContainer("shop/StatefulSet/cart/cart-0");

        for (int attempt = 1; attempt < RestoreController.MAX_PULL_ATTEMPTS; attempt++) {
            assertThatThrownBy(() -> restore.rewrite(request))
                    .isInstanceOf(RestoreUnavailableException.class)
                    .hasMessageContaining(CONTAINER)
                    .hasMessageContaining("could not be pulled");
        }
        assertThat(restore.rewrite(request)).isEqualTo(request);

        assertThat(restore.pendingDecisions()).isEmpty();
        assertThat(metrics.counter("crif.restore.failed").count()).isEqualTo(1.0);
        await().untilAsserted(() -> verify(client).forgetContainer(CONTAINER, "node-2"));
        await().untilAsserted(() -> assertThat(
                        kube.v1().events().inNamespace("shop").list().getItems())
                .filteredOn(e -> PodEvents.RESTORE_FAILED.equals(e.getReason()))
                .singleElement()
                .extracting(Event::getMessage)
                .asString()
                .contains("checkpoint #7", "taken before node-1 failed", "all of the container's state is lost"));
    }

    private List<String> reasons() {
        return kube.v1().events().inNamespace("shop").list().getItems().stream()
                .map(Event::getReason)
                .toList();
    }

    private static RestoreDecision decision() {
        return new RestoreDecision(CONTAINER, 3, "node-1", 1, "node-2", DecisionStatus.PENDING, DIGEST, 7, "");
    }

    private static CreateContainerRequest createContainer(String restoreFrom) {
        return CreateContainerRequest.newBuilder()
                .setConfig(ContainerConfig.newBuilder()
                        .setMetadata(ContainerMetadata.newBuilder().setName("app"))
                        .setImage(ImageSpec.newBuilder().setImage("cart:1")))
                .setSandboxConfig(PodSandboxConfig.newBuilder()
                        .setMetadata(PodSandboxMetadata.newBuilder()
                                .setNamespace("shop")
                                .setName("cart-0")
                                .setUid("uid-new"))
                        .putAnnotations(PodReplacer.RESTORE_FROM, restoreFrom))
                .build();
    }
}
