package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterSettingsTest {
    @TempDir
    Path dir;

    @Test
    void readsMembersAndFillsTimingDefaults() throws IOException {
        Path file = dir.resolve("cluster.yaml");
        Files.writeString(file, """
        f: 1
        placementPort: 11000
        storePort: 5050
        probePort: 7070
        members:
          - {name: a, address: 10.0.0.1, replicaId: 0}
          - {name: b, address: 10.0.0.2, replicaId: 1}
          - {name: c, address: 10.0.0.3, replicaId: 2, publicKey: "MIIBIjAN"}
          - {name: d, address: 10.0.0.4, replicaId: 3}
        timing: {fenceTimeoutMs: 900}
        """);
        ClusterSettings s = ClusterSettings.load(file);
        FailoverConfig c = s.forNode("c", dir, dir.resolve("key"), null, null, 4);
        assertThat(c.nodeAddress()).isEqualTo("10.0.0.3");
        assertThat(c.self().publicKey()).isEqualTo("MIIBIjAN");
        assertThat(c.members().get(0).publicKey()).isNull();
        assertThat(c.placementKeyFile()).isEqualTo(dir.resolve("placement.key"));
        assertThat(c.timing().fenceTimeout()).isEqualTo(Duration.ofMillis(900));
        assertThat(c.timing().probeInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(c.timing().fenceWait()).isEqualTo(Duration.ofMillis(1100));
    }

    @Test
    void rejectsUnknownFieldsTooFewMembersAndStrangers() throws IOException {
        Path typo = dir.resolve("typo.yaml");
        Files.writeString(typo, "f: 1\nplacementPort: 1\nstorePort: 2\nprobePort: 3\nmemebrs: []\n");
        assertThatThrownBy(() -> ClusterSettings.load(typo))
                .hasMessageContaining("typo.yaml")
                .hasMessageContaining("memebrs");
        Path small = dir.resolve("small.yaml");
        Files.writeString(small, """
        f: 1
        placementPort: 1
        storePort: 2
        probePort: 3
        members: [{name: a, address: 10.0.0.1, replicaId: 0}]
        """);
        ClusterSettings s = ClusterSettings.load(small);
        assertThatThrownBy(() -> s.forNode("a", dir, dir, null, null, 1)).hasMessageContaining("need 3f+1");
        assertThatThrownBy(() -> s.forNode("z", dir, dir, null, null, 1)).hasMessageContaining("not a member");
    }

    @Test
    void requiresFAndPortsAndRejectsDuplicateMembers() {
        assertThatThrownBy(() -> ClusterSettings.parse("placementPort: 1\nstorePort: 2\nprobePort: 3\n", "cm"))
                .hasMessageContaining("cm")
                .hasMessageContaining("'f'");
        assertThatThrownBy(() -> ClusterSettings.parse("f: 1\nplacementPort: 1\nstorePort: 2\n", "cm"))
                .hasMessageContaining("probePort");
        assertThatThrownBy(() -> ClusterSettings.parse("""
                f: 0
                placementPort: 1
                storePort: 2
                probePort: 3
                members: [{name: a, address: 10.0.0.1, replicaId: 0}, {name: b, address: 10.0.0.2, replicaId: 0}]
                """, "cm")).hasMessageContaining("replicaId 0 of b");
        assertThatThrownBy(
                        () -> ClusterSettings.parse("f: 0\nplacementPort: 70000\nstorePort: 2\nprobePort: 3\n", "cm"))
                .hasMessageContaining("placementPort must be a port");
    }

    @Test
    void parsesWithoutMembersButTheShimNeedsThem() throws IOException {
        String text = "f: 1\nplacementPort: 11000\nstorePort: 5050\nprobePort: 7070\nmembers: []\n";
        ClusterSettings s = ClusterSettings.parse(text, "cm");
        assertThat(s.members()).isEmpty();
        assertThat(s.member("a")).isEmpty();
        Path file = dir.resolve("empty.yaml");
        Files.writeString(file, text);
        assertThatThrownBy(() -> ClusterSettings.load(file)).hasMessageContaining("no members");
    }
}
