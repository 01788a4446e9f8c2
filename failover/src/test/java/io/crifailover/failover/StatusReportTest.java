package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crifailover.placement.DecisionStatus;
import io.crifailover.placement.NodeInfo;
import io.crifailover.placement.NodeStatus;
import io.crifailover.placement.PlacementClient;
import io.crifailover.placement.ReplicaStatus;
import io.crifailover.placement.RestoreDecision;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The status page's JSON from its inputs, and the {@link ClusterView} behind its cluster part; placement's answers
 * come from a Mockito mock of its client.
 */
class StatusReportTest {
    private final PlacementClient client = mock(PlacementClient.class);
    private final PlacementLink link = TestLinks.of(client, "node-1", "10.0.0.1");
    private final FailoverConfig config = new FailoverConfig(
            "node-1",
            "10.0.0.1",
            Path.of("/tmp/state"),
            List.of(
                    new FailoverConfig.Member("node-1", "10.0.0.1", 0, "k1"),
                    new FailoverConfig.Member("node-2", "10.0.0.2", 1, "k2")),
            0,
            11000,
            5050,
            7070,
            Path.of("/tmp/cluster.key"),
            null,
            List.of(),
            4,
            FailoverConfig.Timing.defaults());

    @AfterEach
    void tearDown() {
        link.close();
    }

    @Test
    void showsThisNodeItsContainersTheClusterAndTheReplica() throws Exception {
        when(client.nodes())
                .thenReturn(List.of(
                        new NodeInfo("node-1", "10.0.0.1", "x86_64", List.of(), 4, 1, NodeStatus.LIVE, 2, 1001),
                        new NodeInfo("node-2", "10.0.0.2", "x86_64", List.of(), 4, 0, NodeStatus.FAILED, 1, 1002)));
        when(client.decisions(""))
                .thenReturn(List.of(new RestoreDecision(
                        "shop/StatefulSet/cart/cart-0/app",
                        3,
                        "node-2",
                        1,
                        "node-1",
                        DecisionStatus.PENDING,
                        "sha256:" + "ab".repeat(32),
                        7,
                        "")));
        ContainerRef stuckOne = new ContainerRef("c-2", "shop", "db-0", "uid-db", "db");
        Map<String, StuckCheckpoints.Stuck> stuck = Map.of(
                "c-2",
                new StuckCheckpoints.Stuck(
                        stuckOne, 4, Instant.EPOCH, Duration.ofSeconds(30), 4242, Path.of("/tmp/a"), "criu dump runs"));

        ClusterView view = new ClusterView(link, Clock.systemUTC(), Duration.ofMinutes(1), Duration.ofSeconds(30));
        view.refreshIfWanted();
        await().atMost(Duration.ofSeconds(10)).until(() -> view.read().fetchedAt() != null);
        ClusterView.Snapshot snapshot = view.read();

        JsonNode status = new ObjectMapper()
                .readTree(StatusReport.of(
                        config,
                        link,
                        snapshot,
                        snapshot.fetchedAt().plusMillis(1500),
                        true,
                        Set.of("c-1", "c-2"),
                        Map.of(),
                        Map.of(),
                        new FailoverTimeline(new SimpleMeterRegistry()),
                        new ReplicaStatus(2, 2, 1, 40, false, false),
                        1,
                        ProtectionReconcilerTest.READY,
                        stuck,
                        new CheckpointCatalog.Stats(4, 10, 5, 1, 2)));

        assertThat(status.path("node").asText()).isEqualTo("node-1");
        assertThat(status.path("optedIn").asBoolean()).isTrue();
        assertThat(status.path("fenced").asBoolean()).isFalse();
        assertThat(status.path("criu").path("ready").asBoolean()).isTrue();
        assertThat(status.path("catalogCalls").path("recordsPerCall").asDouble())
                .isEqualTo(2.5);
        assertThat(status.path("catalogCalls").path("queued").asInt()).isEqualTo(2);
        assertThat(status.path("protected").findValuesAsText("containerId")).containsExactly("c-1", "c-2");
        assertThat(status.path("protected").get(0).path("stuck").asBoolean()).isFalse();
        assertThat(status.path("protected")
                        .get(1)
                        .path("stuckCheckpoint")
                        .path("evidence")
                        .asText())
                .isEqualTo("criu dump runs");
        assertThat(status.path("cluster").findValuesAsText("status")).containsExactly("LIVE", "FAILED");
        assertThat(status.path("decisions").get(0).path("target").asText()).isEqualTo("node-1");
        assertThat(status.path("clusterViewAgeMs").asLong()).isEqualTo(1500);
        assertThat(status.has("clusterError")).isFalse();
        assertThat(status.path("placementReplica").path("leader").asText()).isEqualTo("node-2");
        assertThat(status.path("placementReplica").path("restarts").asInt()).isEqualTo(1);
    }

    @Test
    void placementThatDoesNotAnswerIsNamedAndTheRestIsStillShown() throws Exception {
        when(client.nodes()).thenThrow(new IllegalStateException("no quorum"));
        ClusterView view = new ClusterView(link, Clock.systemUTC(), Duration.ofMinutes(1), Duration.ofSeconds(30));
        view.refreshIfWanted();
        await().atMost(Duration.ofSeconds(10)).until(() -> view.read().error() != null);

        JsonNode status = new ObjectMapper()
                .readTree(StatusReport.of(
                        config,
                        link,
                        view.read(),
                        Instant.now(),
                        false,
                        Set.of(),
                        Map.of(),
                        Map.of(),
                        new FailoverTimeline(new SimpleMeterRegistry()),
                        null,
                        0,
                        CriuReadiness.checking(Instant.EPOCH),
                        Map.of(),
                        new CheckpointCatalog.Stats(0, 0, 0, 0, 0)));

        assertThat(status.path("clusterError").asText()).contains("no quorum");
        assertThat(status.has("clusterViewAt")).as("never answered").isFalse();
        assertThat(status.path("criu").path("state").asText()).isEqualTo("CHECKING");
        assertThat(status.has("placementReplica")).isFalse();
    }

    @Test
    void readingTheViewNeverCallsPlacementAndRefreshesAreBounded() throws Exception {
        when(client.nodes()).thenReturn(List.of());
        when(client.decisions("")).thenReturn(List.of());
        java.util.concurrent.atomic.AtomicReference<Instant> now =
                new java.util.concurrent.atomic.AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        ClusterView view = new ClusterView(link, clock, Duration.ofMinutes(1), Duration.ofSeconds(30));
        for (int i = 0; i < 1000; i++) {
            view.read();
        }
        verify(client, never()).nodes();

        view.refreshIfWanted();
        await().atMost(Duration.ofSeconds(10)).until(() -> view.read().fetchedAt() != null);
        verify(client, times(1)).nodes();

        now.set(now.get().plus(Duration.ofMinutes(2)));
        view.refreshIfWanted();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> view.read().fetchedAt().equals(now.get()));
        verify(client, times(2)).nodes();
        verify(client, times(2)).decisions("");
    }
}
