package io.crifailover.placement;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Test harness: n placement replicas on loopback, each its own JVM process supervised by a {@link ReplicaProcess}
 * as the shim runs it (a wedged replica is replaced), in a private temporary directory. {@link #kill} ends a
 * replica for good (its supervisor too). {@link #close()} kills every process (also stopped ones) and deletes the
 * directory.
 */
final class ReplicaCluster implements AutoCloseable {
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Path baseDir;
    private final Path configDir;
    private final ClusterConfig config;
    /**
     * SIGSTOP is how these tests cut a node off, not a hung replica: the supervisor waits longer than the longest
     * cut-off before it takes a silent replica for hung.
     */
    static final Duration SILENT_AFTER = Duration.ofSeconds(60);

    private final Map<Integer, ReplicaProcess> processes = new ConcurrentHashMap<>();
    private final Map<Integer, String> mainClasses = new ConcurrentHashMap<>();
    private int nextMember;

    private ReplicaCluster(Path baseDir, ClusterConfig config) {
        this.baseDir = baseDir;
        this.configDir = baseDir.resolve("config");
        this.config = config;
    }

    /** Starts n replicas; {@code liars} maps replica ids to a test-only lying main class. */
    static ReplicaCluster start(int n, int f, Duration requestTimeout, Map<Integer, Class<?>> liars) throws Exception {
        Path base = Files.createTempDirectory("placement-it-");
        ReplicaCluster cluster = new ReplicaCluster(base, new ClusterConfig(members(n), f, requestTimeout));
        try {
            TestKeys.writeWithAllPrivateKeys(cluster.configDir, cluster.config);
            for (int id = 0; id < n; id++) {
                Class<?> main = liars.getOrDefault(id, PlacementReplicaCommand.class);
                cluster.mainClasses.put(id, main.getName());
                cluster.launch(id);
            }
            for (int id = 0; id < n; id++) {
                cluster.awaitReady(id);
            }
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    /**
     * Starts n replicas one after the other, {@code gap} apart, like shims of a bed coming up (a replica's start
     * returns only once a quorum is up); {@code afterReady} runs, on a thread of its own, as soon as a replica
     * announced READY (e.g. to start that node's client). Returns when all are ready.
     */
    static ReplicaCluster startStaggered(
            int n, int f, Duration gap, java.util.function.ObjIntConsumer<ReplicaCluster> afterReady) throws Exception {
        Path base = Files.createTempDirectory("placement-it-");
        ReplicaCluster cluster =
                new ReplicaCluster(base, new ClusterConfig(members(n), f, ClusterConfig.DEFAULT_REQUEST_TIMEOUT));
        List<Thread> waiters = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        try {
            TestKeys.writeWithAllPrivateKeys(cluster.configDir, cluster.config);
            for (int id = 0; id < n; id++) {
                if (id > 0) {
                    // a staggered start (the gap a test asks for) is the scenario, not a wait for an event
                    Thread.sleep(gap.toMillis());
                }
                cluster.mainClasses.put(id, PlacementReplicaCommand.class.getName());
                cluster.launch(id);
                int replica = id;
                Thread waiter = new Thread(
                        () -> {
                            try {
                                cluster.awaitReady(replica);
                                afterReady.accept(cluster, replica);
                            } catch (Exception | Error e) {
                                failures.add(e);
                            }
                        },
                        "await-ready-" + id);
                waiter.setDaemon(true);
                waiter.start();
                waiters.add(waiter);
            }
            for (Thread waiter : waiters) {
                waiter.join(START_TIMEOUT.toMillis());
            }
            if (!failures.isEmpty()) {
                throw new IllegalStateException("staggered start failed", failures.get(0));
            }
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    static ReplicaCluster start(int n, int f) throws Exception {
        return start(n, f, ClusterConfig.DEFAULT_REQUEST_TIMEOUT, Map.of());
    }

    Path configDir() {
        return configDir;
    }

    ClusterConfig config() {
        return config;
    }

    int size() {
        return config.members().size();
    }

    /** A client signing as member {@code member}, with the given invoke timeout. */
    PlacementClient client(int member, Duration timeout) {
        return PlacementClient.connect(configDir, member, timeout);
    }

    /** A client of the next member not handed out yet (0, 1, ...): one node per member. */
    PlacementClient client() {
        return PlacementClient.connect(configDir, nextMember++, Duration.ofSeconds(20));
    }

    long pid(int id) {
        return processes.get(id).pid();
    }

    /** The supervisor of replica {@code id}. */
    ReplicaProcess replica(int id) {
        return processes.get(id);
    }

    /** SIGKILL replica {@code id} and stop supervising it: it stays down. */
    void kill(int id) {
        processes.get(id).close();
    }

    void signal(int id, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid(id)))
                .inheritIO()
                .start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -" + signal + " " + pid(id) + " failed");
        }
    }

    /** Asks replica {@code id} for its state digest ("sha256 applied"). */
    String digest(int id) throws IOException, InterruptedException {
        return processes.get(id).digest(Duration.ofSeconds(10));
    }

    /**
     * Waits until replicas {@code ids} report the same digest: a client needs only 2f+1 replies, so one replica may
     * still be executing the last operations when a call returns. Returns that digest.
     */
    String awaitIdenticalDigests(List<Integer> ids) {
        List<String> digests = org.awaitility.Awaitility.await("replicas " + ids + " applied the same operations")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () -> {
                            List<String> d = new ArrayList<>();
                            for (int id : ids) {
                                d.add(digest(id));
                            }
                            return d;
                        },
                        d -> d.stream().distinct().count() == 1);
        return digests.get(0);
    }

    /** Asks replica {@code id} for its {@link ReplicaStatus}. */
    ReplicaStatus status(int id) throws IOException, InterruptedException {
        return processes.get(id).freshStatus(Duration.ofSeconds(5));
    }

    private void launch(int id) throws IOException {
        ReplicaProcess.Options options = new ReplicaProcess.Options(
                ReplicaProcess.Options.javaCommand(mainClasses.get(id)),
                logFile(id),
                Duration.ofMillis(500),
                SILENT_AFTER);
        processes.put(id, ReplicaProcess.start(id, configDir, options));
    }

    Path logFile(int id) {
        return baseDir.resolve("replica-" + id + ".log");
    }

    private void awaitReady(int id) throws Exception {
        if (!processes.get(id).awaitReady(START_TIMEOUT)) {
            throw new IllegalStateException("replica " + id + " did not start; log: " + log(id));
        }
    }

    private static List<ClusterMember> members(int n) throws IOException {
        List<ClusterMember> members = new ArrayList<>();
        Set<Integer> used = new HashSet<>();
        for (int id = 0; id < n; id++) {
            int port = freePortPair(used);
            members.add(TestKeys.member(id, "127.0.0.1", port));
        }
        return members;
    }

    /** A port p with p and p+1 free, distinct from {@code used}. */
    static int freePortPair(Set<Integer> used) throws IOException {
        for (int attempt = 0; attempt < 200; attempt++) {
            int p;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                p = s.getLocalPort();
            }
            if (p >= 65534 || used.contains(p) || used.contains(p + 1) || used.contains(p - 1)) {
                continue;
            }
            try (ServerSocket s = new ServerSocket(p + 1, 1, InetAddress.getLoopbackAddress())) {
                used.add(p);
                used.add(p + 1);
                return p;
            } catch (IOException busy) {
                // try another
            }
        }
        throw new IOException("no free port pair on loopback");
    }

    String log(int id) throws IOException {
        return Files.readString(logFile(id));
    }

    @Override
    public void close() {
        processes.values().forEach(ReplicaProcess::close);
        String keep = System.getProperty("placement.it.keepLogs");
        if (keep != null) {
            try (Stream<Path> logs = Files.list(baseDir)) {
                Path target = Files.createDirectories(Path.of(keep).resolve(baseDir.getFileName()));
                for (Path log : logs.filter(f -> f.toString().endsWith(".log")).toList()) {
                    Files.copy(log, target.resolve(log.getFileName()));
                }
            } catch (IOException ignored) {
                // diagnostics only
            }
        }
        try (Stream<Path> files = Files.walk(baseDir)) {
            files.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
