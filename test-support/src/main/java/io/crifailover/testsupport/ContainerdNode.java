package io.crifailover.testsupport;

import io.crifailover.protos.cri.ListPodSandboxRequest;
import io.crifailover.protos.cri.PodSandbox;
import io.crifailover.protos.cri.RemovePodSandboxRequest;
import io.crifailover.protos.cri.StopPodSandboxRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private containerd 2.x with its own root, state, socket, runc root, cgroup parent, CNI
 * bridge and subnet, optionally inside a {@link NetworkNamespace}. {@link #close()} removes
 * everything it started, also after containerd was killed.
 */
public final class ContainerdNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ContainerdNode.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Options options;
    private final int slot;
    private final Path work;
    private final NodeTeardown teardown;
    private Process process;
    private CriClient cri;

    /** How to start a node. */
    public static final class Options {
        private String name = "node";
        private NetworkNamespace netns;
        private Path pathPrefix;
        private final List<String> insecureRegistries = new ArrayList<>();

        public Options name(String name) {
            this.name = name;
            return this;
        }

        /** Run containerd inside this network namespace ({@code nsenter --net}). */
        public Options netns(NetworkNamespace netns) {
            this.netns = netns;
            return this;
        }

        /** A directory put first on containerd's PATH (e.g. holding a {@code criu} stand-in). */
        public Options pathPrefix(Path dir) {
            this.pathPrefix = dir;
            return this;
        }

        /** A plain-HTTP registry ({@code host:port}) containerd may pull from, besides the test registry. */
        public Options insecureRegistry(String hostPort) {
            this.insecureRegistries.add(hostPort);
            return this;
        }
    }

    private ContainerdNode(Options options, int slot, Path work) {
        this.options = options;
        this.slot = slot;
        this.work = work;
        this.teardown = new NodeTeardown(work, slot, options.netns);
    }

    public static Options options() {
        return new Options();
    }

    /** Starts a node on the host network. */
    public static ContainerdNode start(String name) {
        return start(options().name(name));
    }

    public static ContainerdNode start(Options options) {
        TestImages images = TestImages.shared();
        int slot = SlotAllocator.acquire();
        Path work;
        try {
            work = Files.createTempDirectory(
                    Path.of("/tmp"),
                    "crif-" + slot + "-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            List<String> registries = new ArrayList<>(options.insecureRegistries);
            registries.add(images.registry());
            String stream = options.netns == null ? "127.0.0.1" : options.netns.address();
            if (options.netns != null) {
                options.netns.forwardLoopbackPort(images.localRegistry().port());
            }
            ContainerdConfig.write(work, slot, images.pauseImage(), stream, registries);
            CriuTcpConfig.write(work);
        } catch (IOException e) {
            SlotAllocator.release(slot);
            throw new UncheckedIOException(e);
        }
        ContainerdNode node = new ContainerdNode(options, slot, work);
        try {
            node.launch();
            node.cri.pull(images.pauseImage());
            node.cri.pull(images.counterImage());
            return node;
        } catch (RuntimeException e) {
            LOG.error("containerd {} failed to start; log:\n{}", options.name, node.logTail());
            node.close();
            throw e;
        }
    }

    private void launch() {
        List<String> command = new ArrayList<>();
        if (options.netns != null) {
            command.addAll(List.of("nsenter", "--net=" + options.netns.path(), "--"));
        }
        command.addAll(
                List.of("containerd", "--config", work.resolve("config.toml").toString()));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        work.resolve("containerd.log").toFile()));
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        if (options.pathPrefix != null) {
            path = options.pathPrefix + ":" + path;
        }
        pb.environment().put("PATH", path);
        // inherited by containerd's runc shims, runc and the criu it starts
        pb.environment()
                .put(CriuTcpConfig.ENVIRONMENT, work.resolve("criu.conf").toString());
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start containerd (install it: bin/setup)", e);
        }
        if (cri == null) {
            cri = CriClient.connect(endpoint(), ContainerdConfig.cgroupParent(slot), work.resolve("pod-logs"));
        }
        Process started = process;
        Awaitility.await("containerd " + options.name + " CRI")
                .atMost(START_TIMEOUT)
                .pollInterval(Duration.ofMillis(50))
                .ignoreExceptions()
                .until(() -> {
                    if (!started.isAlive()) {
                        throw new IllegalStateException(
                                "containerd exited with " + started.exitValue() + ":\n" + logTail());
                    }
                    return !cri.version().getRuntimeVersion().isEmpty();
                });
    }

    public String name() {
        return options.name;
    }

    /** {@code unix:///.../containerd.sock}. */
    public String endpoint() {
        return "unix://" + socket();
    }

    public Path socket() {
        return work.resolve("containerd.sock");
    }

    public CriClient cri() {
        return cri;
    }

    /** A new client for another endpoint (e.g. a shim in front of this node) that creates pods in this node's cgroup parent. */
    public CriClient criClientFor(String endpoint) {
        return CriClient.connect(endpoint, ContainerdNode.cgroupParent(slot), work.resolve("pod-logs"));
    }

    static String cgroupParent(int slot) {
        return ContainerdConfig.cgroupParent(slot);
    }

    /** The CNI subnet of this node's pods. */
    public String podSubnet() {
        return ContainerdConfig.podSubnet(slot);
    }

    /** The cgroup parent pods of this node must use, so that teardown finds every process. */
    public String cgroupParent() {
        return ContainerdConfig.cgroupParent(slot);
    }

    /** A private directory for the test's own files (checkpoint archives, ...). */
    public Path workDir() {
        try {
            return Files.createDirectories(work.resolve("test"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public NetworkNamespace netns() {
        return options.netns;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** SIGKILLs containerd only; shims and containers keep running. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts containerd again with the same config (after {@link #kill()}). */
    public void restart() {
        if (isRunning()) {
            kill();
        }
        launch();
    }

    /** containerd's own log (what it and its runc shims wrote). */
    public Path logFile() {
        return work.resolve("containerd.log");
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(work.resolve("containerd.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** What this node left on the machine; empty after {@link #close()}. */
    public List<String> leftovers() {
        return teardown.leftovers();
    }

    @Override
    public void close() {
        if (isRunning()) {
            removeAllPods();
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    kill();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (cri != null) {
            cri.close();
        }
        teardown.run();
        SlotAllocator.release(slot);
    }

    private void removeAllPods() {
        try {
            for (PodSandbox pod : cri.runtime()
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                    .getItemsList()) {
                cri.runtime()
                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                        .stopPodSandbox(StopPodSandboxRequest.newBuilder()
                                .setPodSandboxId(pod.getId())
                                .build());
                cri.runtime()
                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                        .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                                .setPodSandboxId(pod.getId())
                                .build());
            }
        } catch (RuntimeException e) {
            LOG.warn(
                    "containerd {}: removing pods through CRI failed ({}); tearing down by hand",
                    options.name,
                    e.toString());
        }
    }
}
