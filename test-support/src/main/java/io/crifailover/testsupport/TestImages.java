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
    /** The port the counter and the visits app serve HTTP on. */
    public static final int HTTP_PORT = 8080;

    /** The port redis listens on. */
    public static final int REDIS_PORT = 6379;

    /**
     * The counter: +1 every 100 ms into /data/count, served on :8080 by busybox httpd, which runs in
     * the foreground as a child of the script: it belongs to the checkpointed process tree, so a
     * restored counter serves HTTP again (CRIU 4.2 dumps listening TCP sockets on this 6.18 kernel;
     * 4.1 could not). Read it over TCP with {@link HttpText#get} ({@code GET /count}) or, for the
     * process's own view, with {@link CriClient#counter}.
     */
    public static final String COUNTER_SCRIPT = String.join(
            "\n",
            "#!/bin/sh",
            "i=0",
            "mkdir -p /data",
            "httpd -f -p " + HTTP_PORT + " -h /data &",
            "while true; do",
            "  i=$((i+1))",
            "  echo $i > /data/count.tmp",
            "  mv /data/count.tmp /data/count",
            "  usleep 100000",
            "done",
            "");

    /**
     * The visits app: busybox httpd on :8080 whose CGI {@code /cgi-bin/visits} adds one to
     * /data/visits and answers the new count, so its state changes only with client requests (like
     * the thesis' Node.js visit counter). The file lives in the container's writable layer, which the
     * runtime's checkpoint carries. Clients are expected one at a time.
     */
    public static final String VISITS_CGI = String.join(
            "\n",
            "#!/bin/sh",
            "n=$(cat /data/visits 2>/dev/null || echo 0)",
            "n=$((n+1))",
            "echo $n > /data/visits.tmp",
            "mv /data/visits.tmp /data/visits",
            "printf 'Content-Type: text/plain\\r\\n\\r\\n%s\\n' \"$n\"",
            "");

    /** Starts the visits app: httpd in the foreground as the container's main process. */
    public static final String VISITS_SCRIPT =
            String.join("\n", "#!/bin/sh", "mkdir -p /data", "exec httpd -f -p " + HTTP_PORT + " -h /www", "");

    /**
     * Sandbox (pause) process: one process that never forks. Pods share the sandbox's PID
     * namespace; a forking pause could take a PID that CRIU must recreate when a checkpoint is
     * restored into the pod ("Can't fork for 8: File exists", errno 17). containerd stops sandboxes
     * with SIGKILL, so no signal handling is needed.
     */
    public static final String PAUSE_SCRIPT = "#!/bin/sh\nexec sleep inf\n";

    /**
     * Redis holding data in memory, served on TCP port 6379 on every address of the pod (the pod's IP
     * changes when it is restored on another node). Clients: {@link RedisClient}.
     */
    public static final String REDIS_SCRIPT = String.join(
            "\n",
            "#!/bin/sh",
            "mkdir -p /data",
            "exec /usr/bin/redis-server --port " + REDIS_PORT + " --bind 0.0.0.0 --protected-mode no "
                    + "--save '' --appendonly no --daemonize no --dir /data",
            "");

    private static TestImages shared;
    private TestImageBuilder.PushedImage redis;
    private TestImageBuilder.PushedImage visits;

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

    /** The visits app's image (built on first use). */
    public synchronized String visitsImage() {
        if (visits == null) {
            visits = TestImageBuilder.buildAndPush(
                    registry,
                    "crif/visits",
                    "1",
                    Map.of("bin/visits", VISITS_SCRIPT, "www/cgi-bin/visits", VISITS_CGI),
                    List.of("/bin/visits"));
        }
        return visits.tagRef();
    }

    public String counterDigestRef() {
        return counter.digestRef();
    }
}
