package io.crifailover.placement;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Test harness: n placement replicas, each its own JVM process on loopback, in a private temporary directory.
 * {@link #close()} kills every process (also stopped ones) and deletes the directory.
 */
final class ReplicaCluster implements AutoCloseable {
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Path baseDir;
    private final Path configDir;
    private final ClusterConfig config;
    private final Map<Integer, Process> processes = new ConcurrentHashMap<>();
    private final Map<Integer, Writer> stdins = new ConcurrentHashMap<>();
    private final Map<Integer, BlockingQueue<String>> digests = new ConcurrentHashMap<>();
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

    /** SIGKILL replica {@code id}. */
    void kill(int id) throws InterruptedException {
        Process p = processes.get(id);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
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
        Writer w = stdins.get(id);
        w.write("digest\n");
        w.flush();
        String line = digests.get(id).poll(10, TimeUnit.SECONDS);
        if (line == null) {
            throw new IOException("replica " + id + " did not report its digest");
        }
        return line;
    }

    /** Asks replica {@code id} for its {@link ReplicaStatus}. */
    ReplicaStatus status(int id) throws IOException, InterruptedException {
        Writer w = stdins.get(id);
        statuses.get(id).clear();
        w.write("status\n");
        w.flush();
        String line = statuses.get(id).poll(5, TimeUnit.SECONDS);
        if (line == null || line.equals("none")) {
            throw new IOException("replica " + id + " did not report its status");
        }
        return ReplicaStatus.parse(line);
    }

    private final Map<Integer, BlockingQueue<String>> ready = new ConcurrentHashMap<>();
    private final Map<Integer, BlockingQueue<String>> statuses = new ConcurrentHashMap<>();

    private void launch(int id) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(
                java,
                "-Xmx128m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                mainClasses.get(id),
                "--id",
                Integer.toString(id),
                "--config",
                configDir.toString(),
                "--stdin-control"));
        Path log = baseDir.resolve("replica-" + id + ".log");
        Process p = new ProcessBuilder(cmd)
                .directory(baseDir.toFile())
                .redirectErrorStream(true)
                .start();
        processes.put(id, p);
        stdins.put(id, new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8));
        BlockingQueue<String> digestQueue = new LinkedBlockingQueue<>();
        BlockingQueue<String> readyQueue = new LinkedBlockingQueue<>();
        BlockingQueue<String> statusQueue = new LinkedBlockingQueue<>();
        digests.put(id, digestQueue);
        ready.put(id, readyQueue);
        statuses.put(id, statusQueue);
        Thread reader = new Thread(() -> pump(p, log, readyQueue, digestQueue, statusQueue), "replica-" + id + "-out");
        reader.setDaemon(true);
        reader.start();
    }

    private static void pump(
            Process p,
            Path log,
            BlockingQueue<String> readyQueue,
            BlockingQueue<String> digests,
            BlockingQueue<String> statuses) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.startsWith("READY ")) {
                    readyQueue.add(line);
                } else if (line.startsWith("DIGEST ")) {
                    digests.add(line.substring("DIGEST ".length()));
                } else if (line.startsWith("STATUS ")) {
                    statuses.add(line.substring("STATUS ".length()));
                }
                out.write(java.time.LocalTime.now().toString());
                out.write(' ');
                out.write(line);
                out.write('\n');
                out.flush();
            }
        } catch (IOException e) {
            // process gone
        }
    }

    private void awaitReady(int id) throws Exception {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String line = null;
        while (line == null && processes.get(id).isAlive() && System.nanoTime() < deadline) {
            line = ready.get(id).poll(100, TimeUnit.MILLISECONDS);
        }
        if (line == null) {
            throw new IllegalStateException("replica " + id + " did not start; log: "
                    + Files.readString(baseDir.resolve("replica-" + id + ".log")));
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
        return Files.readString(baseDir.resolve("replica-" + id + ".log"));
    }

    @Override
    public void close() {
        for (Map.Entry<Integer, Process> e : processes.entrySet()) {
            Process p = e.getValue();
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (Process p : processes.values()) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }
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
