package io.crifailover.installer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstallerTest {

    static final String SHIM = "unix:///run/cri-failover/cri.sock";
    static final String CRIO_FLAGS = "--container-runtime-endpoint=unix:///var/run/crio/crio.sock "
            + "--pod-infra-container-image=registry.k8s.io/pause:3.10";

    @TempDir
    Path dir;

    @Test
    void installsOnCrioKubeadmNodeWithFlagFileAndUninstallsByteForByte() throws IOException {
        FakeHost host = new FakeHost(dir)
                .kubeletConfig(FakeHost.KUBEADM_CONFIG)
                .kubeadmFlags(CRIO_FLAGS)
                .socket("run/crio/crio.sock");
        Map<String, String> before = host.snapshot();
        String beforeHash = host.treeHash();

        InstallReport report = host.install();

        assertThat(report.runtime().endpoint()).isEqualTo("unix:///var/run/crio/crio.sock");
        assertThat(report.runtime().runtime()).isEqualTo("CRI-O");
        assertThat(host.read("/var/lib/kubelet/kubeadm-flags.env"))
                .isEqualTo("KUBELET_KUBEADM_ARGS=\"" + "--container-runtime-endpoint=" + SHIM
                        + " --pod-infra-container-image=registry.k8s.io/pause:3.10\"\n");
        assertThat(host.read("/var/lib/kubelet/config.yaml"))
                .as("flags override the config file; it stays as is")
                .isEqualTo(FakeHost.KUBEADM_CONFIG);
        assertInstalledFiles(host, "unix:///var/run/crio/crio.sock");
        assertThat(host.commands)
                .containsExactly(
                        List.of("systemctl", "daemon-reload"),
                        List.of("systemctl", "restart", "cri-failover.service"),
                        List.of("systemctl", "restart", "kubelet.service"));

        String installedHash = host.treeHash();
        host.commands.clear();
        InstallReport again = host.install();
        assertThat(again.unchanged()).isTrue();
        assertThat(host.treeHash()).isEqualTo(installedHash);
        assertThat(host.commands).containsExactly(List.of("systemctl", "start", "cri-failover.service"));

        host.commands.clear();
        host.uninstall();
        assertThat(host.snapshot()).isEqualTo(before);
        assertThat(host.treeHash()).isEqualTo(beforeHash);
        assertThat(host.commands)
                .containsExactly(
                        List.of("systemctl", "restart", "kubelet.service"),
                        List.of("systemctl", "stop", "cri-failover.socket", "cri-failover.service"),
                        List.of("systemctl", "daemon-reload"));
    }

    @Test
    void installsOnContainerdNodeThroughKubeletConfigFile() throws IOException {
        String config = FakeHost.KUBEADM_CONFIG.replace(
                "containerRuntimeEndpoint: \"\"",
                "containerRuntimeEndpoint: unix:///run/containerd/containerd.sock  # kubeadm");
        FakeHost host = new FakeHost(dir)
                .kubeletConfig(config)
                .kubeadmFlags("--pod-infra-container-image=registry.k8s.io/pause:3.10")
                .socket("run/containerd/containerd.sock");
        String beforeHash = host.treeHash();
        Map<String, String> before = host.snapshot();

        InstallReport report = host.install();

        assertThat(report.runtime().endpoint()).isEqualTo("unix:///run/containerd/containerd.sock");
        assertThat(report.runtime().foundBy()).isEqualTo("kubelet's current endpoint");
        assertThat(host.read("/var/lib/kubelet/config.yaml"))
                .isEqualTo(config.replace("unix:///run/containerd/containerd.sock", SHIM));
        assertThat(host.read("/var/lib/kubelet/kubeadm-flags.env"))
                .isEqualTo("KUBELET_KUBEADM_ARGS=\"--pod-infra-container-image=registry.k8s.io/pause:3.10\"\n");
        assertInstalledFiles(host, "unix:///run/containerd/containerd.sock");

        String installedHash = host.treeHash();
        host.commands.clear();
        assertThat(host.install().unchanged()).isTrue();
        assertThat(host.treeHash()).isEqualTo(installedHash);

        host.uninstall();
        assertThat(host.snapshot()).isEqualTo(before);
        assertThat(host.treeHash()).isEqualTo(beforeHash);
    }

    @Test
    void detectsContainerdSocketWhenKubeletNamesNoEndpointAndAppendsTheKey() throws IOException {
        FakeHost host = new FakeHost(dir)
                .kubeletConfig("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration")
                .socket("run/containerd/containerd.sock");
        String beforeHash = host.treeHash();

        InstallReport report = host.install();

        assertThat(report.runtime().foundBy()).isEqualTo("socket on the host");
        assertThat(host.read("/var/lib/kubelet/config.yaml"))
                .isEqualTo(
                        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncontainerRuntimeEndpoint: "
                                + SHIM + "\n");
        host.uninstall();
        assertThat(host.treeHash()).isEqualTo(beforeHash);
    }

    @Test
    void keepsModeAndOwnerOfKubeletFiles() throws IOException {
        FakeHost host = new FakeHost(dir).kubeletConfig(FakeHost.KUBEADM_CONFIG).socket("run/crio/crio.sock");
        Path config = host.path("/var/lib/kubelet/config.yaml");
        FileModes.setMode(config, 0600);
        FileModes.setOwner(config, 1234, 5678);
        String beforeHash = host.treeHash();

        host.install();
        assertThat(FileModes.mode(config)).isEqualTo(0600);
        assertThat(FileModes.uid(config)).isEqualTo(1234);
        assertThat(FileModes.gid(config)).isEqualTo(5678);
        assertThat(host.read("/var/lib/kubelet/config.yaml")).contains("containerRuntimeEndpoint: \"" + SHIM + "\"");

        host.uninstall();
        assertThat(host.treeHash()).isEqualTo(beforeHash);
    }

    @Test
    void upgradeRemovesFilesTheNewPayloadDropped() throws IOException {
        FakeHost host = new FakeHost(dir).kubeletConfig(FakeHost.KUBEADM_CONFIG).socket("run/crio/crio.sock");
        String beforeHash = host.treeHash();
        host.install();

        Files.delete(host.source.resolve("app/libs/old-dep-1.0.jar"));
        host.payload(Map.of("app/libs/new-dep-2.0.jar", "new", "app/libs/shim-0.1.0.jar", "jar-v2"));
        host.commands.clear();
        InstallReport upgrade = host.install();

        assertThat(host.path("/opt/cri-failover/app/libs/old-dep-1.0.jar")).doesNotExist();
        assertThat(host.read("/opt/cri-failover/app/libs/new-dep-2.0.jar")).isEqualTo("new");
        assertThat(host.read("/opt/cri-failover/app/libs/shim-0.1.0.jar")).isEqualTo("jar-v2");
        assertThat(upgrade.changed())
                .containsExactlyInAnyOrder(
                        "/opt/cri-failover/app/libs/new-dep-2.0.jar",
                        "/opt/cri-failover/app/libs/shim-0.1.0.jar",
                        "/opt/cri-failover/app/libs/old-dep-1.0.jar");
        assertThat(host.commands).containsExactly(List.of("systemctl", "restart", "cri-failover.service"));

        host.uninstall();
        assertThat(host.treeHash()).isEqualTo(beforeHash);
    }

    @Test
    void uninstallKeepsLaterEditsOfKubeletFilesAndOnlyResetsTheEndpoint() throws IOException {
        FakeHost host = new FakeHost(dir).kubeadmFlags(CRIO_FLAGS).socket("run/crio/crio.sock");
        host.install();
        String edited = host.read("/var/lib/kubelet/kubeadm-flags.env").replace("\"\n", " --v=4\"\n");
        host.write("var/lib/kubelet/kubeadm-flags.env", edited, 0644);

        InstallReport report = host.uninstall();

        assertThat(host.read("/var/lib/kubelet/kubeadm-flags.env"))
                .isEqualTo("KUBELET_KUBEADM_ARGS=\"" + CRIO_FLAGS + " --v=4\"\n");
        assertThat(report.warnings()).anyMatch(w -> w.contains("kubeadm-flags.env was changed after installation"));
        assertThat(host.path("/opt/cri-failover")).doesNotExist();
    }

    @Test
    void refusesToGuessBetweenTwoRuntimesAndChangesNothing() throws IOException {
        FakeHost host = new FakeHost(dir)
                .kubeletConfig("kind: KubeletConfiguration\n")
                .socket("run/crio/crio.sock")
                .socket("run/containerd/containerd.sock");
        String beforeHash = host.treeHash();

        assertThatThrownBy(host::install)
                .isInstanceOf(IOException.class)
                .hasMessageContaining("more than one runtime socket")
                .hasMessageContaining("crio.sock")
                .hasMessageContaining("containerd.sock")
                .hasMessageContaining("--runtime-endpoint");
        assertThat(host.treeHash()).isEqualTo(beforeHash);

        host.install(InstallSettings.defaults(host.source).withRuntimeEndpoint("/run/containerd/containerd.sock"));
        assertThat(host.read("/etc/cri-failover/shim.env"))
                .contains("CRI_FAILOVER_RUNTIME=unix:///run/containerd/containerd.sock");
    }

    @Test
    void failsClearlyWithoutKubeletFilesOrSystemd() throws IOException {
        FakeHost host = new FakeHost(dir).socket("run/crio/crio.sock");
        assertThatThrownBy(host::install)
                .hasMessageContaining("no kubelet configuration")
                .hasMessageContaining("/var/lib/kubelet/config.yaml");
        host.kubeletConfig(FakeHost.KUBEADM_CONFIG);
        Files.delete(host.path("/run/systemd/system"));
        assertThatThrownBy(host::install).hasMessageContaining("does not run systemd");
    }

    @Test
    void copiesClusterSettingsAndLeavesTheSnifferOffWhenNoCriuExists() throws IOException {
        FakeHost host = new FakeHost(dir).kubeletConfig(FakeHost.KUBEADM_CONFIG).socket("run/crio/crio.sock");
        Files.delete(host.path("/usr/sbin/criu"));
        String settings = "f: 1\nplacementPort: 11000\nstorePort: 5050\nprobePort: 7070\nmembers: []\n";
        Path cluster = Files.writeString(dir.resolve("cluster.yaml"), settings);
        String beforeHash = host.treeHash();

        InstallReport report = host.install(
                InstallSettings.defaults(host.source).withFailover(cluster, dir.resolve("no-key"), "node-a"));

        assertThat(host.read("/etc/cri-failover/cluster.yaml")).isEqualTo(settings);
        assertThat(report.warnings()).anyMatch(w -> w.contains("node node-a is not among the members"));
        assertThat(host.read("/etc/systemd/system/cri-failover.service")).doesNotContain("--cluster");
        assertThat(host.path("/usr/local/sbin/criu")).doesNotExist();
        assertThat(report.warnings()).anyMatch(w -> w.contains("no CRIU on the host"));
        host.uninstall();
        assertThat(host.treeHash()).isEqualTo(beforeHash);
    }

    @Test
    void socketActivationEnablesTheSocketUnitAndTiesTheServiceToIt() throws IOException {
        FakeHost host = new FakeHost(dir)
                .kubeletConfig(FakeHost.KUBEADM_CONFIG)
                .kubeadmFlags(CRIO_FLAGS)
                .socket("run/crio/crio.sock");
        Map<String, String> before = host.snapshot();
        String beforeHash = host.treeHash();

        host.install(InstallSettings.defaults(host.source).withSocketActivation(true));

        assertThat(host.read("/etc/systemd/system/cri-failover.service"))
                .contains("Requires=cri-failover.socket\nAfter=cri-failover.socket\n")
                .contains("ExecStart=/opt/cri-failover/bin/cri-failover shim --listen ${CRI_FAILOVER_LISTEN} ");
        assertThat(host.read("/etc/systemd/system/cri-failover.socket"))
                .contains("ListenStream=/run/cri-failover/cri.sock\n")
                .contains("SocketMode=0600\n")
                .contains("FileDescriptorName=cri\n")
                .contains("Service=cri-failover.service\n");
        assertThat(Files.readSymbolicLink(host.path("/etc/systemd/system/sockets.target.wants/cri-failover.socket")))
                .isEqualTo(Path.of("/etc/systemd/system/cri-failover.socket"));
        assertThat(host.commands)
                .containsExactly(
                        List.of("systemctl", "daemon-reload"),
                        List.of("systemctl", "start", "cri-failover.socket"),
                        List.of("systemctl", "restart", "cri-failover.service"),
                        List.of("systemctl", "restart", "kubelet.service"));

        // Switching back to a self-bound socket rewrites the unit and drops the socket's enablement.
        host.commands.clear();
        host.install();
        assertThat(host.read("/etc/systemd/system/cri-failover.service")).doesNotContain("cri-failover.socket");
        assertThat(host.path("/etc/systemd/system/sockets.target.wants/cri-failover.socket"))
                .doesNotExist();

        host.install(InstallSettings.defaults(host.source).withSocketActivation(true));
        host.uninstall();
        assertThat(host.snapshot()).isEqualTo(before);
        assertThat(host.treeHash()).isEqualTo(beforeHash);
    }

    @Test
    void uninstallWithoutInstallationIsANoOp() throws IOException {
        FakeHost host = new FakeHost(dir).kubeletConfig(FakeHost.KUBEADM_CONFIG);
        String beforeHash = host.treeHash();
        InstallReport report = host.uninstall();
        assertThat(report.warnings()).singleElement().asString().contains("nothing to uninstall");
        assertThat(host.treeHash()).isEqualTo(beforeHash);
        assertThat(host.commands).isEmpty();
    }

    private static void assertInstalledFiles(FakeHost host, String runtime) throws IOException {
        assertThat(host.read("/opt/cri-failover/bin/cri-failover"))
                .isEqualTo(Files.readString(host.source.resolve("bin/cri-failover")));
        assertThat(FileModes.mode(host.path("/opt/cri-failover/bin/cri-failover")))
                .isEqualTo(0755);
        assertThat(FileModes.mode(host.path("/opt/cri-failover/jre/bin/java"))).isEqualTo(0755);
        assertThat(FileModes.mode(host.path("/opt/cri-failover/app/libs/shim-0.1.0.jar")))
                .isEqualTo(0644);
        assertThat(host.read("/etc/cri-failover/shim.env"))
                .contains("CRI_FAILOVER_RUNTIME=" + runtime + "\n")
                .contains("CRI_FAILOVER_LISTEN=" + SHIM + "\n")
                .contains("CRI_FAILOVER_METRICS_ADDRESS=127.0.0.1:9464\n");
        assertThat(FileModes.mode(host.path("/etc/cri-failover/shim.env"))).isEqualTo(0644);
        assertThat(host.read("/etc/systemd/system/cri-failover.service"))
                .contains("EnvironmentFile=/etc/cri-failover/shim.env")
                .contains("ExecStart=/opt/cri-failover/bin/cri-failover shim --listen ${CRI_FAILOVER_LISTEN} "
                        + "--runtime ${CRI_FAILOVER_RUNTIME} --metrics-address ${CRI_FAILOVER_METRICS_ADDRESS}")
                .contains("Before=kubelet.service");
        assertThat(FileModes.mode(host.path("/etc/systemd/system/cri-failover.service")))
                .isEqualTo(0644);
        assertThat(host.read("/etc/systemd/system/cri-failover.socket"))
                .contains("ListenStream=/run/cri-failover/cri.sock\n")
                .contains("SocketMode=0600\n")
                .contains("SocketUser=root\n")
                .contains("SocketGroup=root\n")
                .contains("FileDescriptorName=cri\n");
        assertThat(host.read("/etc/systemd/system/cri-failover.service"))
                .as("works without the socket unit")
                .doesNotContain("cri-failover.socket");
        assertThat(Files.readSymbolicLink(
                        host.path("/etc/systemd/system/multi-user.target.wants/cri-failover.service")))
                .isEqualTo(Path.of("/etc/systemd/system/cri-failover.service"));
        assertThat(host.path("/etc/systemd/system/sockets.target.wants")).doesNotExist();
        assertThat(host.read("/etc/cri-failover/sniffer.conf"))
                .contains("REAL_CRIU=/usr/sbin/criu\n")
                .contains("SNIFF_FLAG=/run/cri-failover/sniff.enabled\n");
        assertThat(Files.readSymbolicLink(host.path("/usr/local/sbin/criu")))
                .isEqualTo(Path.of("/opt/cri-failover/sniffer/bin/criu"));
        assertThat(host.path("/run/cri-failover/sniff.enabled"))
                .as("sniffing stays off")
                .doesNotExist();
        assertThat(FileModes.mode(host.path(StateFile.HOST_PATH))).isEqualTo(0600);
        assertThat(FileModes.mode(host.path(StateFile.HOST_DIR))).isEqualTo(0700);
    }
}
