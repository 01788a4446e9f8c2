package io.crifailover.installer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CRI-O and containerd must allow restore; the installer reports it or (CRI-O) fixes it with undo. */
class RuntimeRestoreCheckTest {

    /** An excerpt of what `crio status config` prints on a CRI-O with the new table (default checkpoint_only). */
    static final String CRIO_NEW = """
            [crio]
              root = "/var/lib/containers/storage"
              [crio.runtime]
                default_capabilities = [
                  "CHOWN",
                  "SETUID",
                ]
                enable_criu_support = true
              [crio.checkpoint_restore]
                container_level_enabled = "checkpoint_only"
            """;

    /** An older CRI-O: no checkpoint_restore table, CRIU support off. */
    static final String CRIO_OLD = """
            [crio]
              [crio.runtime]
                enable_criu_support = false # off
            """;

    @TempDir
    Path dir;

    private FakeHost crioHost() throws IOException {
        return new FakeHost(dir).kubeletConfig(FakeHost.KUBEADM_CONFIG).socket("run/crio/crio.sock");
    }

    @Test
    void reportsCheckpointOnlyCrioWithTheSettingAndTheFixAndChangesNothing() throws IOException {
        FakeHost host = crioHost();
        host.outputs.put("crio status config", CRIO_NEW);

        InstallReport report = host.install();

        assertThat(report.warnings())
                .anySatisfy(w -> assertThat(w)
                        .contains("container_level_enabled = \"checkpoint_only\", from `crio status config`")
                        .contains("failover cannot restore containers on this node")
                        .contains("[crio.checkpoint_restore]\ncontainer_level_enabled = \"checkpoint_restore\"")
                        .contains("/etc/crio/crio.conf.d/99-cri-failover.conf")
                        .contains("--configure-runtime"));
        assertThat(host.path("/etc/crio")).doesNotExist();
        assertThat(host.commands).doesNotContain(List.of("systemctl", "restart", "crio.service"));
    }

    @Test
    void configureRuntimeWritesTheDropInRestartsCrioOnceAndUninstallRemovesIt() throws IOException {
        FakeHost host = crioHost();
        host.outputs.put("crio status config", CRIO_NEW);
        String before = host.treeHash();
        InstallSettings settings = InstallSettings.defaults(host.source).withConfigureRuntime(true);

        InstallReport report = host.install(settings);

        assertThat(host.read("/etc/crio/crio.conf.d/99-cri-failover.conf"))
                .endsWith("[crio.checkpoint_restore]\ncontainer_level_enabled = \"checkpoint_restore\"\n");
        assertThat(report.notes()).anyMatch(n -> n.contains("writing /etc/crio/crio.conf.d/99-cri-failover.conf"));
        assertThat(host.commands)
                .containsSubsequence(
                        List.of("systemctl", "restart", "crio.service"),
                        List.of("systemctl", "restart", "cri-failover.service"));

        // CRI-O now runs with the drop-in: the next install keeps it and restarts nothing
        host.outputs.put("crio status config", CRIO_NEW.replace("checkpoint_only", "checkpoint_restore"));
        host.commands.clear();
        InstallReport again = host.install(settings);
        assertThat(again.unchanged()).isTrue();
        assertThat(again.notes()).anyMatch(n -> n.contains("CRI-O allows checkpoint and restore"));
        assertThat(host.commands).containsExactly(List.of("systemctl", "start", "cri-failover.service"));

        host.commands.clear();
        host.uninstall();
        assertThat(host.commands).contains(List.of("systemctl", "restart", "crio.service"));
        assertThat(host.treeHash()).isEqualTo(before);
    }

    @Test
    void olderCrioGetsEnableCriuSupport() throws IOException {
        FakeHost host = crioHost();
        host.outputs.put("crio status config", CRIO_OLD);

        host.install(InstallSettings.defaults(host.source).withConfigureRuntime(true));

        assertThat(host.read("/etc/crio/crio.conf.d/99-cri-failover.conf"))
                .endsWith("[crio.runtime]\nenable_criu_support = true\n");
    }

    @Test
    void withoutTheRunningConfigReadsTheFilesInLexicalOrderAndNeverGuessesAKey() throws IOException {
        FakeHost host = crioHost()
                .write("etc/crio/crio.conf", "[crio.runtime]\nenable_criu_support = true\n", 0644)
                .write(
                        "etc/crio/crio.conf.d/10-restore.conf",
                        "[crio.checkpoint_restore]\ncontainer_level_enabled = 'checkpoint_restore'\n",
                        0644);
        assertThat(host.install().notes())
                .anyMatch(n -> n.contains("allows checkpoint and restore")
                        && n.contains("/etc/crio/crio.conf, /etc/crio/crio.conf.d/10-restore.conf"));

        host.write(
                "etc/crio/crio.conf.d/20-later.conf",
                "[crio.checkpoint_restore]\ncontainer_level_enabled = \"none\"\n",
                0644);
        assertThat(host.install().warnings()).anyMatch(w -> w.contains("CRIU support is off"));

        FakeHost bare = new FakeHost(dir.resolve("bare"))
                .kubeletConfig(FakeHost.KUBEADM_CONFIG)
                .socket("run/crio/crio.sock");
        InstallReport report =
                bare.install(InstallSettings.defaults(bare.source).withConfigureRuntime(true));
        assertThat(report.warnings())
                .anyMatch(w -> w.contains("the default depends on the version") && w.contains("in a file in"));
        assertThat(bare.path("/etc/crio/crio.conf.d/99-cri-failover.conf")).doesNotExist();
    }

    @Test
    void containerdWithRestoreViaCreateOffIsReportedAndOlderContainerdIsFine() throws IOException {
        FakeHost host =
                new FakeHost(dir).kubeletConfig(FakeHost.KUBEADM_CONFIG).socket("run/containerd/containerd.sock");
        host.outputs.put("containerd config dump", """
                version = 3
                [plugins]
                  [plugins.'io.containerd.cri.v1.runtime']
                    enable_criu = true
                    enable_experimental_restore_via_create = false
                """);
        assertThat(host.install().warnings())
                .anyMatch(w -> w.contains("enable_experimental_restore_via_create = false")
                        && w.contains("[plugins.io.containerd.cri.v1.runtime]")
                        && w.contains("removed in containerd 2.4"));

        host.outputs.put("containerd config dump", "version = 3\n[plugins]\n");
        assertThat(host.install().notes()).anyMatch(n -> n.contains("restores through CreateContainer"));
    }
}
