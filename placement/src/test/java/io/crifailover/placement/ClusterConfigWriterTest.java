package io.crifailover.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterConfigWriterTest {
    @TempDir
    Path tmp;

    static ClusterConfig config(int basePort) {
        return new ClusterConfig(
                List.of(
                        TestKeys.member(0, "127.0.0.1", basePort),
                        TestKeys.member(1, "127.0.0.1", basePort + 10),
                        TestKeys.member(2, "127.0.0.1", basePort + 20),
                        TestKeys.member(3, "127.0.0.1", basePort + 30)),
                1,
                Duration.ofMillis(400));
    }

    @Test
    void writesPrivateFilesBftSmartReads() throws Exception {
        Path dir = tmp.resolve("cfg");
        ClusterConfigWriter.write(dir, config(11000));
        assertThat(Files.readAllLines(dir.resolve("hosts.config"))).contains("0 127.0.0.1 11000", "3 127.0.0.1 11030");
        String system = Files.readString(dir.resolve("system.config"));
        assertThat(system)
                .contains(
                        "system.servers.num = 4",
                        "system.servers.f = 1",
                        "system.initial.view = 0,1,2,3",
                        "system.totalordermulticast.timeout = 400",
                        "system.communication.useSignatures = 0",
                        "system.communication.useMACs = 1",
                        "system.communication.defaultkeys = false");
        assertThat(Files.readString(dir.resolve("keys").resolve("publickey3")).strip())
                .isEqualTo(TestKeys.key(3).publicKeyText());
        assertThat(dir.resolve("keys").resolve("privatekey0")).doesNotExist();
        ClusterConfigWriter.writePrivateKey(dir, config(11000), 0, TestKeys.key(0));
        assertThat(PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(dir.resolve("keys").resolve("privatekey0"))))
                .isEqualTo("rw-------");
        assertThatThrownBy(() -> ClusterConfigWriter.writePrivateKey(dir, config(11000), 1, TestKeys.key(0)))
                .hasMessageContaining("another public key");
        assertThat(MemberKeys.load(dir).key(2)).hasValue(TestKeys.key(2).publicKey());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("hosts.config"))))
                .isEqualTo("rw-------");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
        var conf = BftConfigs.load(0, dir, TestKeys.key(0));
        assertThat(conf.getN()).isEqualTo(4);
        assertThat(conf.getF()).isEqualTo(1);
        assertThat(conf.getRequestTimeout()).isEqualTo(400);
        assertThat(conf.getServerToServerPort(2)).isEqualTo(11021);
    }

    @Test
    void clearsTheStoredViewOnlyWhenMembershipChanges() throws Exception {
        Path dir = tmp.resolve("cfg");
        ClusterConfigWriter.write(dir, config(11000));
        Files.writeString(dir.resolve(ClusterConfigWriter.VIEW_FILE), "stale");
        assertThat(ClusterConfigWriter.write(dir, config(11000))).isFalse();
        assertThat(dir.resolve(ClusterConfigWriter.VIEW_FILE)).exists();
        assertThat(ClusterConfigWriter.write(dir, config(12000))).isTrue();
        assertThat(dir.resolve(ClusterConfigWriter.VIEW_FILE)).doesNotExist();
    }

    @Test
    void rejectsTooSmallClusters() {
        assertThatThrownBy(() -> new ClusterConfig(config(11000).members().subList(0, 3), 1, Duration.ofSeconds(1)))
                .hasMessageContaining("at least 4 replicas");
        assertThatThrownBy(() -> TestKeys.member(0, "127.0.0.1", 65535)).hasMessageContaining("port");
    }
}
