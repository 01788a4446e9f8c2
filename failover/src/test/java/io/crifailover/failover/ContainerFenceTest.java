package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A CRI runtime in process, Events into the fabric8 mock API (CRUD). */
@EnableKubernetesMockClient(crud = true)
class ContainerFenceTest {
    KubernetesClient kube;
    private final ManualScheduler timer = new ManualScheduler();
    private FakeRuntime runtime;
    private PodEvents events;
    private ProtectionReconciler protection;
    private ContainerFence fence;

    @BeforeEach
    void setUp() throws Exception {
        runtime = FakeRuntime.withProtectedCartAndPlainWeb();
        events = new PodEvents(kube, "node-1");
        ProtectedSandboxes sandboxes = new ProtectedSandboxes();
        protection = ProtectionReconcilerTest.alwaysActive(runtime, sandboxes, events, timer);
        fence = new ContainerFence("node-1", Duration.ofMillis(500), runtime.stub(), sandboxes, protection, events);
    }

    @AfterEach
    void tearDown() {
        events.close();
        runtime.close();
    }

    @Test
    void fencingStopsOnlyTheProtectedContainersAndSaysSoOnTheirPods() {
        protection.reconcile();
        assertThat(protection.scheduled()).containsExactly("c-1");

        fence.stopProtectedContainers();

        assertThat(runtime.stopped).containsExactly("c-1");
        assertThat(protection.scheduled()).isEmpty();
        PostedEvents.awaitOnly(kube, "shop", PodEvents.FENCED, "cart-0", "lost the placement quorum for 500 ms");
    }

    @Test
    void aSecondFenceFindsNothingLeftToStop() {
        protection.reconcile();
        fence.stopProtectedContainers();
        fence.stopProtectedContainers();

        assertThat(runtime.stopped).containsExactly("c-1");
    }
}
