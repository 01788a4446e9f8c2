package io.crifailover.installer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The installer switches failover on: cluster settings, cluster key from the Secret, node name. */
class FailoverInstallTest {

    static final String SETTINGS = """
            f: 1
            placementPort: 11000
            storePort: 5050
            probePort: 7070
            members:
              - {name: node-a, address: 10.0.0.11, replicaId: 0}
              - {name: node-b, address: 10.0.0.12, replicaId: 1}
              - {name: node-c, address: 10.0.0.13, replicaId: 2}
              - {name: node-d, address: 10.0.0.14, replicaId: 3}
            timing: {probeIntervalMs: 100, probeThreshold: 3}
            """;

    @TempDir
    Path dir;

    private FakeHost host() throws IOException {
        return new FakeHost(dir).kubeletConfig(FakeHost.KUBEADM_CONFIG).socket("run/containerd/containerd.sock");
    }

    private Path key(String name, int bytes) throws IOException {
        byte[] raw = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            raw[i] = (byte) (i * 7 + name.length());
        }
        // As the Secret volume presents it: the literal from `head -c32 /dev/urandom | base64`, no newline.
        return Files.writeString(dir.resolve(name), Base64.getEncoder().encodeToString(raw));
    }

    private InstallSettings settings(FakeHost host, Path key, String node) throws IOException {
        Path cluster = Files.writeString(dir.resolve("cluster.yaml"), SETTINGS);
        return InstallSettings.defaults(host.source).withFailover(cluster, key, node);
    }

    @Test
    void memberGetsClusterKeyAndNodeNameOnItsExecStartAndUninstallRestoresTheHost() throws IOException {
        FakeHost host = host();
        String before = host.treeHash();
        Path key = key("key", 32);

        InstallReport report = host.install(settings(host, key, "node-b"));

        String unit = host.read("/etc/systemd/system/cri-failover.service");
        assertThat(unit)
                .contains("ExecStart=/opt/cri-failover/bin/cri-failover shim --listen ${CRI_FAILOVER_LISTEN}"
                        + " --runtime ${CRI_FAILOVER_RUNTIME} --metrics-address ${CRI_FAILOVER_METRICS_ADDRESS}"
                        + " --cluster /etc/cri-failover/cluster.yaml --cluster-key /etc/cri-failover/keys/cluster.key"
                        + " --node-name ${NODE_NAME} $CRI_FAILOVER_EXTRA_ARGS\n");
        assertThat(host.read("/etc/cri-failover/shim.env")).contains("\nNODE_NAME=node-b\n");
        assertThat(host.read("/etc/cri-failover/cluster.yaml")).isEqualTo(SETTINGS);
        assertThat(host.read("/etc/cri-failover/keys/cluster.key")).isEqualTo(Files.readString(key) + "\n");
        assertThat(FileModes.mode(host.path("/etc/cri-failover/keys/cluster.key")))
                .isEqualTo(0600);
        assertThat(FileModes.mode(host.path("/etc/cri-failover/keys"))).isEqualTo(0700);
        assertThat(report.warnings()).noneMatch(w -> w.contains("only proxies"));
        // the shim's own loader accepts what the installer wrote
        io.crifailover.store.ClusterKey.load(host.path("/etc/cri-failover/keys/cluster.key"));
        assertThat(io.crifailover.failover.ClusterSettings.load(host.path("/etc/cri-failover/cluster.yaml"))
                        .forNode("node-b", dir, host.path("/etc/cri-failover/keys/cluster.key"), null, List.of(), 1)
                        .nodeAddress())
                .isEqualTo("10.0.0.12");

        host.commands.clear();
        String installed = host.treeHash();
        assertThat(host.install(settings(host, key, "node-b")).unchanged()).isTrue();
        assertThat(host.treeHash()).isEqualTo(installed);
        assertThat(host.commands).containsExactly(List.of("systemctl", "start", "cri-failover.service"));

        host.commands.clear();
        host.install(settings(host, key("rotated", 48), "node-b"));
        assertThat(host.commands)
                .as("a new cluster key restarts the shim")
                .contains(List.of("systemctl", "restart", "cri-failover.service"));

        host.uninstall();
        assertThat(host.treeHash()).isEqualTo(before);
    }

    @Test
    void nodeThatIsNotAMemberOnlyProxiesAndGetsNoKey() throws IOException {
        FakeHost host = host();

        InstallReport report = host.install(settings(host, key("key", 32), "node-x"));

        assertThat(report.warnings()).anyMatch(w -> w.contains("node node-x is not among the members"));
        assertThat(host.read("/etc/systemd/system/cri-failover.service")).doesNotContain("--cluster");
        assertThat(host.path("/etc/cri-failover/keys")).doesNotExist();
    }

    @Test
    void missingOrShortKeyAndBadSettingsFailBeforeTheHostIsTouched() throws IOException {
        FakeHost host = host();
        String before = host.treeHash();

        assertThatThrownBy(() -> host.install(settings(host, dir.resolve("absent"), "node-a")))
                .hasMessageContaining("has the Secret cri-failover-cluster-key been created?")
                .hasMessageContaining("kubectl -n cri-failover create secret generic cri-failover-cluster-key"
                        + " --from-literal=key=\"$(head -c32 /dev/urandom | base64)\"");
        assertThatThrownBy(() -> host.install(settings(host, key("short", 16), "node-a")))
                .hasMessageContaining("holds 16 bytes, at least 32");
        Path typo = Files.writeString(dir.resolve("typo.yaml"), SETTINGS.replace("probePort", "probesPort"));
        assertThatThrownBy(() -> host.install(
                        InstallSettings.defaults(host.source).withFailover(typo, key("key", 32), "node-a")))
                .hasMessageContaining("typo.yaml")
                .hasMessageContaining("probesPort");
        Path three = Files.writeString(
                dir.resolve("three.yaml"),
                SETTINGS.replace("  - {name: node-d, address: 10.0.0.14, replicaId: 3}\n", ""));
        assertThatThrownBy(() -> host.install(
                        InstallSettings.defaults(host.source).withFailover(three, key("key", 32), "node-a")))
                .hasMessageContaining("need 3f+1");
        assertThatThrownBy(() -> host.install(InstallSettings.defaults(host.source)
                        .withClusterConfig(Files.writeString(dir.resolve("c.yaml"), SETTINGS))))
                .hasMessageContaining("needs the node name");
        assertThat(host.treeHash()).isEqualTo(before);
        assertThat(host.commands).isEmpty();
    }
}
