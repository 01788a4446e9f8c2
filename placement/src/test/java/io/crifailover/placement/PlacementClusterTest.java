package io.crifailover.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Real replicas, one JVM process each, on loopback. */
@Tag("integration")
class PlacementClusterTest {
    static final List<String> AVX2 = List.of("avx", "avx2", "sse");
    static final List<String> AVX = List.of("avx", "sse");

    @Test
    void thousandOrderedOperationsLeaveIdenticalStateOnEveryReplica() throws Exception {
        try (ReplicaCluster cluster = ReplicaCluster.start(4, 1);
                PlacementClient client = cluster.client()) {
            assertThat(client.registerNode("n1", "10.0.0.1", "x86_64", AVX2, 8).accepted())
                    .isTrue();
            for (int i = 0; i < 999; i++) {
                assertThat(client.reportLoad("n1", i % 50).accepted()).isTrue();
            }
            // the client needs 2f+1 replies, so one replica may still be executing the last operations
            List<String> digests = await("every replica applied all 1000")
                    .atMost(Duration.ofSeconds(30))
                    .until(
                            () -> {
                                List<String> d = new ArrayList<>();
                                for (int id = 0; id < 4; id++) {
                                    d.add(cluster.digest(id));
                                }
                                return d;
                            },
                            d -> d.stream().allMatch(x -> x.endsWith(" 1000")));
            assertThat(digests).allMatch(d -> d.equals(digests.get(0)));
        }
    }

    @Test
    void oneKilledReplicaDoesNotStallClients() throws Exception {
        try (ReplicaCluster cluster = ReplicaCluster.start(4, 1);
                PlacementClient client = cluster.client()) {
            client.registerNode("n1", "a", "x86_64", AVX, 1);
            Latencies.measure(200, () -> client.reportLoad("n1", 1));
            double healthy =
                    Latencies.measure(300, () -> client.reportLoad("n1", 2)).p50();
            cluster.kill(3);
            await().atMost(Duration.ofSeconds(5)).until(() -> client.replicaKnownDown(3));
            Latencies.Summary degraded = Latencies.measure(300, () -> client.reportLoad("n1", 3));
            System.out.printf("healthy p50 %.2f ms, one down %s%n", healthy, degraded);
            assertThat(degraded.p50())
                    .as("p50 with one replica down vs healthy %.2f ms", healthy)
                    .isLessThanOrEqualTo(3 * healthy);
            // the library's stall hit every request (~1 s each); p99 catches it, while one scheduling
            // outlier on a loaded 2-core machine (seen once: 1.9 s) must not fail the build
            assertThat(degraded.p99())
                    .as("p99 with one replica down (max %.0f ms)", degraded.max())
                    .isLessThan(900);
        }
    }

    @Test
    void orderingResumesQuicklyAfterTheLeaderStopsAndTheLeaderCatchesUpAfterContinuing() throws Exception {
        try (ReplicaCluster cluster = ReplicaCluster.start(4, 1);
                PlacementClient client = cluster.client()) {
            client.registerNode("n1", "a", "x86_64", AVX, 1);
            Latencies.measure(100, () -> client.reportLoad("n1", 1));
            long stall = LeaderStall.measure(cluster, client, 0);
            System.out.println("leader stall ms: " + stall);
            assertThat(stall)
                    .as("longest gap between ordered operations after SIGSTOP of the leader")
                    .isLessThanOrEqualTo(1500);
            cluster.signal(0, "CONT");
            for (int i = 0; i < 50; i++) {
                client.reportLoad("n1", i);
            }
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        client.reportLoad("n1", 7);
                        String reference = cluster.digest(1);
                        assertThat(cluster.digest(0)).isEqualTo(reference);
                    });
        }
    }

    @Test
    void oneLyingReplicaAndReporterCannotFoolTheClientOrEvictAHealthyNode() throws Exception {
        try (ReplicaCluster cluster = ReplicaCluster.start(
                        4, 1, ClusterConfig.DEFAULT_REQUEST_TIMEOUT, Map.of(3, LyingPlacementReplica.class));
                PlacementClient healthy = cluster.client();
                PlacementClient liar = cluster.client();
                PlacementClient other = cluster.client()) {
            assertThat(healthy.registerNode("healthy", "a", "x86_64", AVX2, 4).accepted())
                    .isTrue();
            assertThat(liar.registerNode("liar", "b", "x86_64", AVX2, 4).accepted())
                    .isTrue();
            assertThat(other.registerNode("other", "c", "x86_64", AVX2, 4).accepted())
                    .isTrue();
            assertThat(liar.reportLoad("liar", 3).accepted()).isTrue();
            assertThat(healthy.recordCheckpoint("c1", "sha256:1", 1, "healthy", AVX2, List.of("other", "liar"))
                            .accepted())
                    .isTrue();
            Result.Acks batch = healthy.recordCheckpoints(
                    "healthy",
                    List.of(
                            new Command.CheckpointEntry("c1", "sha256:0", 0, AVX2, List.of("other")),
                            new Command.CheckpointEntry("c2", "sha256:2", 1, AVX2, List.of())));
            assertThat(batch.acks())
                    .as("c1 is older than the recorded one; c2 is held by its source only")
                    .extracting(Result.Ack::accepted)
                    .containsExactly(false, true);
            assertThat(liar.recordCheckpoints(
                                    "healthy",
                                    List.of(new Command.CheckpointEntry("c3", "sha256:3", 1, AVX2, List.of())))
                            .acks())
                    .as("a member batching for another node")
                    .noneMatch(Result.Ack::accepted);

            Result.SuspectOutcome lie = liar.suspect("liar", "healthy", 1);
            assertThat(lie.status()).isEqualTo(NodeStatus.LIVE);
            assertThat(lie.votes()).isEqualTo(1);
            assertThat(liar.suspect("liar", "healthy", 1).votes())
                    .as("a repeated vote counts once")
                    .isEqualTo(1);
            assertThat(liar.suspect("other", "healthy", 1).accepted())
                    .as("impersonating another reporter")
                    .isFalse();
            assertThat(liar.registerNode("healthy", "evil", "x86_64", List.of(), 1)
                            .accepted())
                    .isFalse();

            for (int i = 0; i < 20; i++) {
                assertThat(healthy.nodes()).allMatch(n -> n.status() == NodeStatus.LIVE);
                assertThat(healthy.decisions("")).isEmpty();
            }
            assertThat(other.suspect("other", "healthy", 1).status()).isEqualTo(NodeStatus.FAILED);
            List<RestoreDecision> decisions = other.decisions("other");
            assertThat(decisions).singleElement().satisfies(d -> {
                assertThat(d.containerId()).isEqualTo("c1");
                assertThat(d.status()).isEqualTo(DecisionStatus.PENDING);
            });
            assertThat(liar.decisions("liar")).isEmpty();
            assertThat(other.ackRestore("c1", decisions.get(0).decisionId(), "other")
                            .accepted())
                    .isTrue();
            cluster.awaitIdenticalDigests(List.of(0, 1, 2));
        }
    }

    @Test
    void twoLiarsInASevenReplicaClusterCannotEvictAHealthyNode() throws Exception {
        try (ReplicaCluster cluster = ReplicaCluster.start(
                7,
                2,
                ClusterConfig.DEFAULT_REQUEST_TIMEOUT,
                Map.of(5, LyingPlacementReplica.class, 6, LyingPlacementReplica.class))) {
            List<PlacementClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    clients.add(cluster.client());
                    assertThat(clients.get(i)
                                    .registerNode("n" + i, "x", "x86_64", AVX2, 4)
                                    .accepted())
                            .isTrue();
                }
                assertThat(clients.get(1).suspect("n1", "n0", 1).status()).isEqualTo(NodeStatus.LIVE);
                Result.SuspectOutcome second = clients.get(2).suspect("n2", "n0", 1);
                assertThat(second.status()).isEqualTo(NodeStatus.LIVE);
                assertThat(second.votes()).isEqualTo(2);
                assertThat(clients.get(0).nodes()).allMatch(n -> n.status() == NodeStatus.LIVE);
                assertThat(clients.get(3).suspect("n3", "n0", 1).status()).isEqualTo(NodeStatus.FAILED);
            } finally {
                clients.forEach(PlacementClient::close);
            }
        }
    }

    @Test
    void decisionsNeverTargetANodeWithoutTheSourceCpuFlags() throws Exception {
        try (ReplicaCluster cluster = ReplicaCluster.start(4, 1);
                PlacementClient src = cluster.client();
                PlacementClient old1 = cluster.client();
                PlacementClient old2 = cluster.client();
                PlacementClient modern = cluster.client()) {
            src.registerNode("src", "a", "x86_64", AVX2, 4);
            old1.registerNode("old1", "b", "x86_64", AVX, 4);
            old2.registerNode("old2", "c", "x86_64", AVX, 4);
            assertThat(src.assignStandbys("c1", "src", 2).nodes()).isEmpty();
            src.recordCheckpoint("c1", "sha256:1", 1, "src", AVX2, List.of("old1", "old2", "modern"));
            old1.suspect("old1", "src", 1);
            old2.suspect("old2", "src", 1);
            RestoreDecision none = old1.decisions("").get(0);
            assertThat(none.status()).isEqualTo(DecisionStatus.NO_COMPATIBLE_NODE);
            assertThat(none.hasTarget()).isFalse();
            assertThat(old1.events(0))
                    .extracting(PlacementEvent::kind)
                    .contains(PlacementEvent.Kind.NO_COMPATIBLE_NODE);
            modern.registerNode("modern", "d", "x86_64", List.of("avx", "avx2", "avx512f", "sse"), 4);
            assertThat(modern.decisions("modern"))
                    .singleElement()
                    .satisfies(d -> assertThat(d.status()).isEqualTo(DecisionStatus.PENDING));
        }
    }
}
