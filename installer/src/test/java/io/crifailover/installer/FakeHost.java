package io.crifailover.installer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
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
import java.util.stream.Stream;

/** A host root in a temp dir, shaped like a kubeadm node, plus the payload an image would carry. */
final class FakeHost {

    static final String KUBEADM_CONFIG = String.join(
            "\n",
            "apiVersion: kubelet.config.k8s.io/v1beta1",
            "authentication:",
            "  anonymous:",
            "    enabled: false",
            "  webhook:",
            "    cacheTTL: 0s",
            "    enabled: true",
            "  x509:",
            "    clientCAFile: /etc/kubernetes/pki/ca.crt",
            "cgroupDriver: systemd",
            "clusterDNS:",
            "- 10.96.0.10",
            "clusterDomain: cluster.local",
            "# set by kubeadm",
            "containerRuntimeEndpoint: \"\"",
            "kind: KubeletConfiguration",
            "rotateCertificates: true",
            "staticPodPath: /etc/kubernetes/manifests",
            "");

    final Path root;
    final Path source;
    final List<List<String>> commands = new ArrayList<>();
    /** What read-only host queries print ({@code crio status config}), by command line; absent = fails. */
    final Map<String, String> outputs = new java.util.HashMap<>();

    FakeHost(Path dir) throws IOException {
        root = Files.createDirectories(dir.resolve("host"));
        source = Files.createDirectories(dir.resolve("image/opt/cri-failover"));
        for (String d : List.of(
                "run/systemd/system",
                "etc/systemd/system",
                "var/lib/kubelet",
                "usr/sbin",
                "usr/local/sbin",
                "etc/kubernetes")) {
            Files.createDirectories(root.resolve(d));
        }
        Files.createSymbolicLink(root.resolve("var/run"), Path.of("/run"));
        executable(root.resolve("usr/sbin/criu"), "#!/bin/sh\necho real criu\n");
        payload(Map.of(
                "bin/cri-failover",
                        "#!/bin/sh\nexec java -cp app/libs/* io.crifailover.shim.cli.CriFailoverCli \"$@\"\n",
                "jre/bin/java", "#!/bin/sh\necho fake java\n",
                "jre/lib/modules", "modules-v1",
                "app/libs/shim-0.1.0.jar", "jar-v1",
                "app/libs/old-dep-1.0.jar", "old",
                "sniffer/bin/criu", "#!/bin/bash\necho stand-in\n"));
    }

    void payload(Map<String, String> files) throws IOException {
        for (Map.Entry<String, String> file : files.entrySet()) {
            Path path = source.resolve(file.getKey());
            Files.createDirectories(path.getParent());
            Files.writeString(path, file.getValue());
            FileModes.setMode(path, file.getKey().contains("bin/") ? 0755 : 0644);
        }
    }

    FakeHost kubeadmFlags(String args) throws IOException {
        write("var/lib/kubelet/kubeadm-flags.env", "KUBELET_KUBEADM_ARGS=\"" + args + "\"\n", 0644);
        return this;
    }

    FakeHost kubeletConfig(String yaml) throws IOException {
        write("var/lib/kubelet/config.yaml", yaml, 0644);
        return this;
    }

    FakeHost write(String relative, String content, int mode) throws IOException {
        Path path = root.resolve(relative);
        Files.createDirectories(path.getParent());
        Files.writeString(path, content);
        FileModes.setMode(path, mode);
        return this;
    }

    /** A real listening unix socket file at {@code relative} (the listener is closed, the file stays). */
    FakeHost socket(String relative) throws IOException {
        Path path = root.resolve(relative);
        Files.createDirectories(path.getParent());
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
        }
        return this;
    }

    String read(String hostPath) throws IOException {
        return Files.readString(root.resolve(hostPath.substring(1)));
    }

    Path path(String hostPath) {
        return root.resolve(hostPath.substring(1));
    }

    HostCommands recorder() {
        return new HostCommands() {
            @Override
            public void run(List<String> argv) {
                commands.add(List.copyOf(argv));
            }

            @Override
            public java.util.Optional<String> output(List<String> argv) {
                return java.util.Optional.ofNullable(outputs.get(String.join(" ", argv)));
            }
        };
    }

    InstallReport install(InstallSettings settings) throws IOException {
        return new Installer(new HostRoot(root), recorder()).install(settings);
    }

    InstallReport install() throws IOException {
        return install(InstallSettings.defaults(source));
    }

    InstallReport uninstall() throws IOException {
        return new Uninstaller(new HostRoot(root), recorder()).uninstall();
    }

    /** Every path with its type, mode, owner and content hash (or link target), sorted. */
    Map<String, String> snapshot() throws IOException {
        Map<String, String> tree = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.forEach(path -> tree.put("/" + root.relativize(path), describe(path)));
        }
        return tree;
    }

    /** One SHA-256 over {@link #snapshot()}. */
    String treeHash() throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, String> entry : snapshot().entrySet()) {
                digest.update((entry.getKey() + "\0" + entry.getValue() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String describe(Path path) {
        try {
            String owner =
                    FileModes.octal(FileModes.mode(path)) + " " + FileModes.uid(path) + ":" + FileModes.gid(path);
            if (Files.isSymbolicLink(path)) {
                return "link " + owner + " -> " + Files.readSymbolicLink(path);
            }
            if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                return "dir " + owner;
            }
            if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                return "file " + owner + " " + HostChanges.sha256(Files.readAllBytes(path));
            }
            return "other " + owner;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void executable(Path path, String content) throws IOException {
        Files.writeString(path, content);
        FileModes.setMode(path, 0755);
    }
}
