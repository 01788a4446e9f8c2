package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.crifailover.placement.DecisionStatus;
import io.crifailover.placement.NodeInfo;
import io.crifailover.placement.NodeStatus;
import io.crifailover.placement.PlacementClient;
import io.crifailover.placement.RestoreDecision;
import io.crifailover.placement.Result;
import io.crifailover.protos.cri.ContainerConfig;
import io.crifailover.protos.cri.ContainerMetadata;
import io.crifailover.protos.cri.CreateContainerRequest;
import io.crifailover.protos.cri.PodSandboxConfig;
import io.crifailover.protos.cri.PodSandboxMetadata;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gate on a CRI runtime in process; placement's client is a Mockito mock (its answers are the input here). */
class FenceGateTest {
    private final AtomicBoolean fenced = new AtomicBoolean();
    private final PlacementClient client = mock(PlacementClient.class);
    private final ProtectedSandboxes sandboxes = new ProtectedSandboxes();
    private FakeRuntime runtime;
    private FenceGate gate;

    @BeforeEach
    void setUp() throws Exception {
        runtime = FakeRuntime.withProtectedCartAndPlainWeb();
        sandboxes.syncWith(runtime.stub());
        Instant started = Instant.now();
        gate = new FenceGate("node-1", new FenceHold("node-1", started), fenced::get, sandboxes, runtime.stub());
        gate.heartbeatAnswered(client, started.plusMillis(1), new Result.Ack(true, "node-1 live in epoch 1"));
    }

    @AfterEach
    void tearDown() {
        runtime.close();
    }

    @Test
    void aHealthyNodeStartsEverything() {
        assertThat(gate.createRefusal(create("sb-1", "cart-0", "1s", "app"))).isEmpty();
        assertThat(gate.startRefusal("c-1")).isEmpty();
    }

    @Test
    void aFencedNodeRefusesOnlyProtectedContainersAndSaysWhy() {
        fenced.set(true);
        gate.fenced();

        assertThat(gate.createRefusal(create("sb-1", "cart-0", "1s", "app")))
                .hasValueSatisfying(why -> assertThat(why).contains("node-1 is fenced", "shop/cart-0"));
        assertThat(gate.startRefusal("c-1")).isPresent();
        assertThat(gate.createRefusal(create("sb-2", "web-0", null, "web"))).isEmpty();
        assertThat(gate.startRefusal("c-2")).isEmpty();
    }

    @Test
    void aPodRestoredElsewhereAfterAFailureVerdictStaysRefusedHereOnceTheFenceIsOver() {
        fenced.set(true);
        gate.fenced();
        fenced.set(false);
        when(client.nodes())
                .thenReturn(List.of(
                        new NodeInfo("node-1", "10.0.0.1", "x86_64", List.of(), 4, 0, NodeStatus.LIVE, 5, 1001)));
        when(client.decisions(""))
                .thenReturn(List.of(new RestoreDecision(
                        "shop/StatefulSet/cart/cart-0/app",
                        9,
                        "node-1",
                        4,
                        "node-2",
                        DecisionStatus.PENDING,
                        "sha256:" + "ab".repeat(32),
                        3,
                        "")));

        gate.heartbeatAnswered(
                client, Instant.now(), new Result.Ack(Result.Outcome.REJOINED, "node-1 recovered in epoch 5"));

        assertThat(gate.createRefusal(create("sb-1", "cart-0", "1s", "app")))
                .hasValueSatisfying(why -> assertThat(why).contains("declared failed in epoch 4"));
        gate.podGone("uid-cart-0");
        assertThat(gate.createRefusal(create("sb-1", "cart-0", "1s", "app"))).isEmpty();
    }

    @Test
    void aPodNotRestoredAnywhereIsReleasedOnceTheDecisionsAreRead() {
        fenced.set(true);
        gate.fenced();
        fenced.set(false);
        when(client.nodes())
                .thenReturn(List.of(
                        new NodeInfo("node-1", "10.0.0.1", "x86_64", List.of(), 4, 0, NodeStatus.LIVE, 5, 1001)));
        when(client.decisions("")).thenReturn(List.of());

        gate.heartbeatAnswered(
                client, Instant.now(), new Result.Ack(Result.Outcome.REJOINED, "node-1 recovered in epoch 5"));

        assertThat(gate.createRefusal(create("sb-1", "cart-0", "1s", "app"))).isEmpty();
    }

    private static CreateContainerRequest create(String sandboxId, String pod, String interval, String container) {
        PodSandboxConfig.Builder sandbox = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder()
                        .setNamespace("shop")
                        .setName(pod)
                        .setUid("uid-" + pod));
        if (interval != null) {
            sandbox.putAnnotations(ProtectionSettings.INTERVAL, interval);
        }
        return CreateContainerRequest.newBuilder()
                .setPodSandboxId(sandboxId)
                .setConfig(ContainerConfig.newBuilder()
                        .setMetadata(ContainerMetadata.newBuilder().setName(container)))
                .setSandboxConfig(sandbox)
                .build();
    }
}
