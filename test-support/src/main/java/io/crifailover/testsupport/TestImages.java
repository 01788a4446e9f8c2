package io.crifailover.testsupport;

import java.util.List;
import java.util.Map;

/**
 * The images every integration test uses, built once per JVM from busybox-static and served by
 * a private {@link LocalRegistry} (containerd's restore pulls the base image by digest, so images
 * must come from a registry, not an import). References use {@code 127.0.0.1:PORT}: containerd
 * pulls base images from localhost over plain HTTP, and nodes in network namespaces forward that
 * port to the host.
 */
public final class TestImages {
    /**
     * The counter: +1 every 100 ms into /data/count, also served on :8080 by busybox httpd. httpd
     * daemonises, so it re-parents to the pod's PID-namespace init (the pause process) and is not
     * part of the checkpointed process tree: CRIU 4.1 cannot dump a listening TCP socket on this
     * kernel (6.18: "Can't get 1:16 opt", EOPNOTSUPP), so a restored counter keeps counting but does
     * not serve HTTP. Read the restored value with {@link CriClient#counter}.
     */
    public static final String COUNTER_SCRIPT = String.join(
            "\n",
            "#!/bin/sh",
            "i=0",
            "mkdir -p /data",
            "httpd -p 8080 -h /data",
            "while true; do",
            "  i=$((i+1))",
            "  echo $i > /data/count.tmp",
            "  mv /data/count.tmp /data/count",
            "  usleep 100000",
            "done",
            "");
    /**
     * Sandbox (pause) process: one process that never forks. Pods share the sandbox's PID
     * namespace; a forking pause could take a PID that CRIU must recreate when a checkpoint is
     * restored into the pod ("Can't fork for 8: File exists", errno 17). containerd stops sandboxes
     * with SIGKILL, so no signal handling is needed.
     */
    public static final String PAUSE_SCRIPT = "#!/bin/sh\nexec sleep inf\n";

    /**
     * Redis holding data in memory, listening only on a unix socket (/data/redis.sock): CRIU 4.1
     * cannot dump a TCP listener on this kernel. Clients: {@code redis-cli -s /data/redis.sock}.
     */
    public static final String REDIS_SCRIPT = String.join(
            "\n",
            "#!/bin/sh",
            "mkdir -p /data",
            "exec /usr/bin/redis-server --port 0 --unixsocket /data/redis.sock --unixsocketperm 700 "
                    + "--save '' --appendonly no --daemonize no --dir /data",
            "");

    private static TestImages shared;
    private TestImageBuilder.PushedImage redis;

    private final LocalRegistry registry;
    private final TestImageBuilder.PushedImage pause;
    private final TestImageBuilder.PushedImage counter;

    private TestImages(LocalRegistry registry) {
        this.registry = registry;
        this.pause = TestImageBuilder.buildAndPush(
                registry, "crif/pause", "1", Map.of("bin/pause", PAUSE_SCRIPT), List.of("/bin/pause"));
        this.counter = TestImageBuilder.buildAndPush(
                registry, "crif/counter", "1", Map.of("bin/counter", COUNTER_SCRIPT), List.of("/bin/counter"));
    }

    /** The registry and images of this JVM; started on first use, stopped at JVM exit. */
    public static synchronized TestImages shared() {
        if (shared == null) {
            LocalRegistry registry = LocalRegistry.start();
            shared = new TestImages(registry);
            Runtime.getRuntime().addShutdownHook(new Thread(registry::close, "crif-registry-stop"));
        }
        return shared;
    }

    public String registry() {
        return registry.hostPort();
    }

    public LocalRegistry localRegistry() {
        return registry;
    }

    public String pauseImage() {
        return pause.tagRef();
    }

    public String counterImage() {
        return counter.tagRef();
    }

    /** The redis image (built from the host's Debian redis binaries on first use). */
    public synchronized String redisImage() {
        if (redis == null) {
            java.util.List<java.nio.file.Path> files = new java.util.ArrayList<>(java.util.List.of(
                    java.nio.file.Path.of("/usr/bin/redis-server"), java.nio.file.Path.of("/usr/bin/redis-cli")));
            files.addAll(SharedLibraries.of(files));
            redis = TestImageBuilder.buildAndPush(
                    registry, "crif/redis", "1", Map.of("bin/redis", REDIS_SCRIPT), files, List.of("/bin/redis"));
        }
        return redis.tagRef();
    }

    public String counterDigestRef() {
        return counter.digestRef();
    }
}
