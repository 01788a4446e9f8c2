package io.crifailover.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.crifailover.installer.HostRoot;
import io.crifailover.installer.InstallReport;
import io.crifailover.installer.InstallSettings;
import io.crifailover.installer.Installer;
import io.crifailover.installer.Uninstaller;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The installer with the real image as its source: the image's /opt/cri-failover is unpacked
 * (skopeo + umoci), installed into a kubeadm-like host root, and the launcher the host got runs
 * {@code cri-failover --help} with the copied Java runtime on this machine's libraries. Uninstall
 * leaves the host tree as it was.
 */
@Tag("integration")
class HostInstallIT {

    @TempDir
    Path dir;

    @Test
    void imagePayloadInstalledOnAHostRunsAndUninstallsCleanly() throws Exception {
        ShimImageIT.assumeImageHasTheCli();
        run(
                dir,
                "skopeo",
                "copy",
                "oci-archive:" + ShimImageIT.IMAGE_TAR.toAbsolutePath(),
                "oci:" + dir.resolve("layout") + ":shim");
        run(
                dir,
                "umoci",
                "unpack",
                "--image",
                dir.resolve("layout") + ":shim",
                dir.resolve("bundle").toString());
        Path source = dir.resolve("bundle/rootfs/opt/cri-failover");

        Path host = Files.createDirectories(dir.resolve("host"));
        for (String d : List.of("run/systemd/system", "run/containerd", "etc/systemd/system", "var/lib/kubelet")) {
            Files.createDirectories(host.resolve(d));
        }
        Files.writeString(
                host.resolve("var/lib/kubelet/config.yaml"),
                "kind: KubeletConfiguration\ncontainerRuntimeEndpoint: unix:///run/containerd/containerd.sock\n");
        Files.writeString(host.resolve("var/lib/kubelet/kubeadm-flags.env"), "KUBELET_KUBEADM_ARGS=\"--v=2\"\n");
        Map<String, String> before = snapshot(host);
        List<List<String>> commands = new ArrayList<>();

        InstallReport report =
                new Installer(new HostRoot(host), argv -> commands.add(argv)).install(InstallSettings.defaults(source));

        assertThat(report.runtime().endpoint()).isEqualTo("unix:///run/containerd/containerd.sock");
        assertThat(host.resolve("opt/cri-failover/jre/bin/java")).isExecutable();
        assertThat(host.resolve("opt/cri-failover/sniffer/bin/criu")).isExecutable();
        assertThat(Files.readString(host.resolve("var/lib/kubelet/config.yaml")))
                .contains("containerRuntimeEndpoint: unix:///run/cri-failover/cri.sock");
        String help = run(dir, host.resolve("opt/cri-failover/bin/cri-failover").toString(), "--help");
        assertThat(help).contains("Usage: cri-failover");

        new Uninstaller(new HostRoot(host), argv -> commands.add(argv)).uninstall();
        assertThat(snapshot(host)).isEqualTo(before);
    }

    private static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> tree = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.forEach(p -> {
                try {
                    String kind = Files.isSymbolicLink(p)
                            ? "link " + Files.readSymbolicLink(p)
                            : Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                                    ? "dir"
                                    : "file "
                                            + HexFormat.of()
                                                    .formatHex(MessageDigest.getInstance("SHA-256")
                                                            .digest(Files.readAllBytes(p)));
                    tree.put(
                            root.relativize(p).toString(),
                            kind + " " + Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        return tree;
    }

    private static String run(Path workDir, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException(String.join(" ", command) + " did not finish in 120 s");
        }
        String text = new String(output, StandardCharsets.UTF_8);
        assertThat(process.exitValue())
                .as(String.join(" ", command) + ":\n" + text)
                .isZero();
        return text;
    }
}
