package io.crifailover.installer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class InstallCommandTest {

    @TempDir
    Path dir;

    @Test
    void installAndUninstallFromTheCommandLine() throws Exception {
        FakeHost host =
                new FakeHost(dir).kubeletConfig(FakeHost.KUBEADM_CONFIG).socket("run/containerd/containerd.sock");
        String before = host.treeHash();
        StringWriter out = new StringWriter();

        int install = run(
                new InstallCommand(),
                out,
                "--host-root",
                host.root.toString(),
                "--source",
                host.source.toString(),
                "--host-exec",
                "none",
                "--node-name",
                "node-a");

        assertThat(install).as(out.toString()).isZero();
        assertThat(out.toString()).contains("runtime: containerd at unix:///run/containerd/containerd.sock");
        assertThat(host.read("/etc/cri-failover/shim.env")).contains("NODE_NAME=node-a\n");
        assertThat(run(new UninstallCommand(), out, "--host-root", host.root.toString(), "--host-exec", "NONE"))
                .isZero();
        assertThat(host.treeHash()).isEqualTo(before);
    }

    @Test
    void syncServiceAccountInstallsThenKeepsCopyingTheRotatedToken() throws Exception {
        FakeHost host =
                new FakeHost(dir).kubeletConfig(FakeHost.KUBEADM_CONFIG).socket("run/containerd/containerd.sock");
        Path serviceAccount = Files.createDirectories(dir.resolve("serviceaccount"));
        Files.writeString(serviceAccount.resolve("token"), ServiceAccountSyncTest.TOKEN_1);
        Files.writeString(serviceAccount.resolve("ca.crt"), ServiceAccountSyncTest.CA);
        StringWriter out = new StringWriter();
        AtomicInteger exit = new AtomicInteger(-1);
        Thread installer = new Thread(() -> exit.set(run(
                new InstallCommand(),
                out,
                "--host-root",
                host.root.toString(),
                "--source",
                host.source.toString(),
                "--host-exec",
                "none",
                "--sync-service-account",
                "--sync-interval",
                "1",
                "--service-account-dir",
                serviceAccount.toString(),
                "--api-server",
                "https://10.96.0.1:443")));
        installer.start();
        try {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> out.toString().contains("keeping /etc/cri-failover/kube fresh every 1 s"));
            assertThat(host.read(HostLayout.KUBE_TOKEN)).isEqualTo(ServiceAccountSyncTest.TOKEN_1);
            assertThat(host.read(HostLayout.SHIM_ENV)).contains("KUBECONFIG=/etc/cri-failover/kube/kubeconfig");

            Files.writeString(serviceAccount.resolve("token"), ServiceAccountSyncTest.TOKEN_2);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> host.read(HostLayout.KUBE_TOKEN).equals(ServiceAccountSyncTest.TOKEN_2));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> out.toString().contains("updated /etc/cri-failover/kube/kubeconfig"));
            assertThat(installer.isAlive())
                    .as("the sync mode never returns on its own")
                    .isTrue();
        } finally {
            installer.interrupt();
            installer.join(30_000);
        }
        assertThat(exit).hasValue(0);
    }

    @Test
    void reportsBadInputByName() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new InstallCommand()).setErr(new PrintWriter(err));
        assertThat(cli.execute(
                        "--host-root",
                        dir.toString(),
                        "--source",
                        dir.resolve("nope").toString(),
                        "--host-exec",
                        "none"))
                .isEqualTo(1);
        assertThat(err.toString())
                .contains("cri-failover install: installation source")
                .contains("lacks bin/cri-failover");

        err.getBuffer().setLength(0);
        assertThat(cli.execute("--host-exec", "ssh")).isEqualTo(2);
        assertThat(err.toString()).contains("expected nsenter, chroot, direct or none, got 'ssh'");
    }

    private static int run(Object command, StringWriter out, String... args) {
        return new CommandLine(command)
                .setOut(new PrintWriter(out))
                .setErr(new PrintWriter(out))
                .execute(args);
    }
}
