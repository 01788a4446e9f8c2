package io.crifailover.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The supervised replica with real child JVMs on loopback. */
@Tag("integration")
class ReplicaProcessTest {

    @Test
    void aReplicaKilledWithSigkillIsReplacedAndCatchesUpByStateTransfer() throws Exception {
        try (ReplicaCluster cluster = ReplicaCluster.start(4, 1);
                PlacementClient client = cluster.client()) {
            client.registerNode("node-a", "10.0.0.1", "amd64", List.of("sse2"), 8);
            for (int i = 0; i < 20; i++) {
                client.reportLoad("node-a", i);
            }
            long before = cluster.pid(3);
            cluster.signal(3, "KILL");

            try {
                await("replica 3 replaced")
                        .atMost(Duration.ofSeconds(120))
                        .until(() -> cluster.replica(3).restarts() >= 1
                                && cluster.pid(3) != before
                                && cluster.replica(3).awaitReady(Duration.ZERO));
            } catch (ConditionTimeoutException e) {
                throw new AssertionError(
                        "replica 3 not replaced: " + cluster.replica(3).restarts() + " restarts; its log:\n"
                                + cluster.log(3),
                        e);
            }
            for (int i = 0; i < 20; i++) {
                client.reportLoad("node-a", 100 + i);
            }
            await("replica 3 has the others' state")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> assertThat(cluster.digest(3)).isEqualTo(cluster.digest(0)));
            assertThat(cluster.log(3)).contains("READY 3");
            assertThat(Files.getPosixFilePermissions(cluster.logFile(3)))
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        }
    }

    @Test
    void aReplicaEndsWhenItsParentIsGoneEvenWhileItWaitsForAQuorum() throws Exception {
        Path dir = Files.createTempDirectory("replica-parent-");
        int port = ReplicaCluster.freePortPair(new java.util.HashSet<>());
        ClusterConfig config = new ClusterConfig(
                List.of(
                        TestKeys.member(0, "127.0.0.1", port),
                        TestKeys.member(1, "127.0.0.1", 1),
                        TestKeys.member(2, "127.0.0.1", 3),
                        TestKeys.member(3, "127.0.0.1", 5)),
                1,
                ClusterConfig.DEFAULT_REQUEST_TIMEOUT);
        TestKeys.writeWithAllPrivateKeys(dir, config);
        Process parent = new ProcessBuilder("sleep", "600").start();
        List<String> cmd =
                new java.util.ArrayList<>(ReplicaProcess.Options.javaCommand(PlacementReplicaCommand.class.getName()));
        cmd.addAll(List.of("--id", "0", "--config", dir.toString(), "--parent-pid", Long.toString(parent.pid())));
        Process replica = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("replica.log").toFile())
                .start();
        try {
            await("replica 0 listening")
                    .atMost(Duration.ofSeconds(60))
                    .ignoreExceptions()
                    .until(() -> {
                        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port + 1)) {
                            return replica.isAlive();
                        }
                    });
            parent.destroyForcibly();
            assertThat(replica.waitFor(60, TimeUnit.SECONDS))
                    .as("replica gone after its parent")
                    .isTrue();
        } finally {
            replica.destroyForcibly();
            parent.destroyForcibly();
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(f -> f.toFile().delete());
            }
        }
    }
}
