package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.crifailover.protos.cri.PodSandboxConfig;
import io.crifailover.protos.cri.PodSandboxMetadata;
import io.crifailover.protos.cri.RunPodSandboxRequest;
import io.crifailover.protos.cri.RunPodSandboxResponse;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sandbox hooks, with a CRI runtime in process and the fabric8 mock API (CRUD); the container
 * hooks that restore and checkpoint are covered end to end (CheckpointRestoreIT, FailoverIT).
 */
@EnableKubernetesMockClient(crud = true)
class CriCallHooksTest {
    KubernetesClient kube;
    private final ManualScheduler timer = new ManualScheduler();
    private final ProtectedSandboxes sandboxes = new ProtectedSandboxes();
    private FakeRuntime runtime;
    private PodEvents events;
    private ProtectionReconciler protection;
    private CriCallHooks hooks;

    @BeforeEach
    void setUp() throws Exception {
        runtime = new FakeRuntime();
        events = new PodEvents(kube, "node-1");
        protection = ProtectionReconcilerTest.alwaysActive(runtime, sandboxes, events, timer);
        hooks = new CriCallHooks(
                "node-1",
                runtime.stub(),
                sandboxes,
                protection,
                null,
                null,
                null,
                new WorkloadResolver(kube),
                events,
                uid -> {},
                Runnable::run,
                Runnable::run);
    }

    @AfterEach
    void tearDown() {
        events.close();
        runtime.close();
    }

    @Test
    void aSandboxWithValidSettingsIsProtected() {
        hooks.onRunPodSandbox(request("cart-0", "1s"), response("sb-1"));

        assertThat(sandboxes.get("sb-1"))
                .hasValueSatisfying(sb -> assertThat(sb.settings().interval()).isEqualTo(Duration.ofSeconds(1)));
    }

    @Test
    void aSandboxWithInvalidSettingsIsNotProtectedAndItsPodIsToldWhy() {
        hooks.onRunPodSandbox(request("cart-0", "soon"), response("sb-1"));

        assertThat(sandboxes.get("sb-1")).isEmpty();
        await().untilAsserted(() -> assertThat(
                        kube.v1().events().inNamespace("shop").list().getItems())
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.getReason()).isEqualTo(PodEvents.CHECKPOINT_FAILED);
                    assertThat(e.getMessage()).startsWith("not protected: ");
                }));
    }

    @Test
    void aSandboxThatGoesAwayStopsTheProtectionOfItsContainers() {
        kube.pods()
                .inNamespace("shop")
                .resource(new PodBuilder()
                        .withNewMetadata()
                        .withName("cart-0")
                        .withNamespace("shop")
                        .withUid("uid-cart-0")
                        .endMetadata()
                        .build())
                .create();
        runtime.sandbox("sb-1", "shop", "cart-0", Map.of(ProtectionSettings.INTERVAL, "1s"));
        runtime.running("c-1", "sb-1", "app");
        hooks.onRunPodSandbox(request("cart-0", "1s"), response("sb-1"));
        protection.reconcile();
        assertThat(protection.scheduled()).containsExactly("c-1");

        runtime.exited("c-1");
        runtime.sandboxStopped("sb-1");
        hooks.onPodSandboxGone("sb-1");

        assertThat(sandboxes.get("sb-1")).isEmpty();
        assertThat(protection.scheduled()).isEmpty();
    }

    private static RunPodSandboxRequest request(String pod, String interval) {
        return RunPodSandboxRequest.newBuilder()
                .setConfig(PodSandboxConfig.newBuilder()
                        .setMetadata(PodSandboxMetadata.newBuilder()
                                .setNamespace("shop")
                                .setName(pod)
                                .setUid("uid-" + pod))
                        .putAnnotations(ProtectionSettings.INTERVAL, interval))
                .build();
    }

    private static RunPodSandboxResponse response(String sandboxId) {
        return RunPodSandboxResponse.newBuilder().setPodSandboxId(sandboxId).build();
    }
}
