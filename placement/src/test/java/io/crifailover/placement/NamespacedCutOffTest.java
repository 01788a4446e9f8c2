package io.crifailover.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.crifailover.testsupport.NetworkNamespace;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The test bed's network model: four nodes, each a process in its own network namespace (own address, the
 * node's heartbeating client, and its replica in a supervised child process, like the shim). A cut-off is an iptables DROP of
 * everything in and out of the node's uplink while the node keeps running (its client keeps sending to its own
 * replica, whose requests time out); reconnecting removes the rules. A random sequence of cut-offs of 3-5 s: after
 * each cut the other three must declare the node failed (f+1 votes, ordered) within 5 s, and after each
 * reconnect every node must order again and every replica be in step (same regency and leader, no leader change
 * pending). One run per seed of {@code -Dplacement.it.seeds=A,B,...} (default {@value #DEFAULT_SEEDS}). Opt-in
 * ({@code -Dplacement.it.netns=true}): seed 11 still fails while a replica can wedge during another node's cut-off
 * (README, "Deaf after a reconnect"; issue 14 item 1, the supervised replica); it joins {@code bin/test} with that.
 */
@Tag("integration")
@EnabledIfSystemProperty(
        named = "placement.it.netns",
        matches = "true",
        disabledReason = "needs root; seed 11 still fails when a replica wedges during another node's cut-off "
                + "(README, \"Deaf after a reconnect\"); run with -Dplacement.it.netns=true")
class NamespacedCutOffTest {
    /** The seeds run by default: two that passed with the work-arounds and seed 11, which still fails. */
    static final String DEFAULT_SEEDS = "7,11,23";

    static final int N = 4;
    static final int PORT = 11000;
    static final Duration VERDICT_BOUND = Duration.ofSeconds(5);
    static final Duration HEALTHY_BOUND = Duration.ofSeconds(15);

    static LongStream seeds() {
        return Arrays.stream(
                        System.getProperty("placement.it.seeds", DEFAULT_SEEDS).split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .mapToLong(Long::parseLong);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void randomCutOffsAreDecidedWithinFiveSecondsAndTheClusterHealsAfterEachReconnect(long seed) throws Exception {
        Random random = new Random(seed);
        System.out.printf("NamespacedCutOffTest seed %d%n", seed);
        int rounds = Integer.getInteger("placement.it.rounds", 10);
        try (Bed bed = Bed.start()) {
            bed.awaitHealthy("after start", Duration.ofSeconds(30));
            List<Long> verdicts = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                int victim = random.nextInt(N);
                long outageMs = 3000 + random.nextInt(2001);
                String what = "round " + round + ": node-" + victim + " (leader "
                        + bed.status(0).leader() + ")";
                long cut = System.nanoTime();
                bed.ns.get(victim).cutOff();
                bed.mark("CUT node-" + victim);
                for (int i = 0; i < N; i++) {
                    if (i != victim) {
                        bed.send(i, "suspect node-" + victim);
                    }
                }
                for (int i = 0; i < N; i++) {
                    if (i != victim) {
                        String line = bed.verdicts
                                .get(i)
                                .poll(VERDICT_BOUND.toNanos() - (System.nanoTime() - cut), TimeUnit.NANOSECONDS);
                        if (line == null) {
                            bed.dumpThreads();
                        }
                        assertThat(line)
                                .as("%s: node-%d saw the verdict within %s (log %s)", what, i, VERDICT_BOUND, bed.base)
                                .isEqualTo("node-" + victim);
                    }
                }
                long took = (System.nanoTime() - cut) / 1_000_000;
                verdicts.add(took);
                System.out.printf("%s cut off for %d ms: verdict on all three after %d ms%n", what, outageMs, took);
                long rest = outageMs - (System.nanoTime() - cut) / 1_000_000;
                if (rest > 0) {
                    // the outage's length is the subject: the victim stays cut off for it
                    Thread.sleep(rest);
                }
                bed.ns.get(victim).reconnect();
                bed.mark("RECONNECT node-" + victim);
                bed.awaitHealthy("after node-" + victim + " was reconnected (" + what + ")", HEALTHY_BOUND);
                // healthy for a while before the next cut, as between real outages: the gap is part of the scenario
                Thread.sleep(1500);
            }
            System.out.printf("verdicts (ms after the cut): %s%n", verdicts);
        }
    }

    /** Four namespaced node processes; {@link #close()} kills them and deletes namespaces and files. */
    static final class Bed implements AutoCloseable {
        final Path base;
        final List<NetworkNamespace> ns = new ArrayList<>();
        final Map<Integer, Process> processes = new HashMap<>();
        final Map<Integer, Writer> stdins = new HashMap<>();
        final Map<Integer, BlockingQueue<String>> answers = new HashMap<>();
        final Map<Integer, BlockingQueue<String>> verdicts = new HashMap<>();
        final Map<Integer, Writer> logs = new HashMap<>();

        private Bed(Path base) {
            this.base = base;
        }

        static Bed start() throws Exception {
            Bed bed = new Bed(Files.createTempDirectory("placement-ns-it-"));
            try {
                List<ClusterMember> members = new ArrayList<>();
                for (int i = 0; i < N; i++) {
                    NetworkNamespace n = NetworkNamespace.create("plc" + i);
                    bed.ns.add(n);
                    members.add(TestKeys.member(i, n.address(), PORT));
                }
                ClusterConfig config = new ClusterConfig(members, 1, ClusterConfig.DEFAULT_REQUEST_TIMEOUT);
                for (int i = 0; i < N; i++) {
                    Path nodeDir = bed.base.resolve("node-" + i);
                    ClusterConfigWriter.write(nodeDir, config);
                    ClusterConfigWriter.writePrivateKey(nodeDir, config, i, TestKeys.key(i));
                }
                for (int i = 0; i < N; i++) {
                    bed.launch(i);
                    // a staggered start, as nodes boot one after another: the gap is part of the scenario
                    Thread.sleep(700);
                }
                return bed;
            } catch (Exception | Error e) {
                bed.close();
                throw e;
            }
        }

        private void launch(int id) throws IOException {
            String java =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = List.of(
                    "nsenter",
                    "--net=" + ns.get(id).path(),
                    "--",
                    java,
                    "-Xmx128m",
                    "-XX:+UseSerialGC",
                    "-cp",
                    System.getProperty("java.class.path"),
                    NamespacedNodeMain.class.getName(),
                    Integer.toString(id),
                    base.resolve("node-" + id).toString(),
                    "node-" + id);
            Process p = new ProcessBuilder(cmd)
                    .directory(base.resolve("node-" + id).toFile())
                    .redirectErrorStream(true)
                    .start();
            processes.put(id, p);
            stdins.put(id, new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8));
            answers.put(id, new LinkedBlockingQueue<>());
            verdicts.put(id, new LinkedBlockingQueue<>());
            Writer log = Files.newBufferedWriter(base.resolve("node-" + id + ".log"), StandardCharsets.UTF_8);
            logs.put(id, log);
            Thread reader = new Thread(() -> pump(id, p, log), "node-" + id + "-out");
            reader.setDaemon(true);
            reader.start();
        }

        private void pump(int id, Process p, Writer log) {
            try (BufferedReader in =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.startsWith("VERDICT ")) {
                        verdicts.get(id).add(line.substring("VERDICT ".length()));
                    } else if (line.startsWith("STATUS ") || line.startsWith("AGE ")) {
                        answers.get(id).add(line);
                        continue;
                    }
                    synchronized (log) {
                        log.write(LocalTime.now() + " " + line + "\n");
                        log.flush();
                    }
                }
            } catch (IOException e) {
                // process gone
            }
        }

        /** Writes a marker line into every node's log. */
        void mark(String what) throws IOException {
            System.out.printf("%s %s%n", LocalTime.now(), what);
            for (Writer log : logs.values()) {
                synchronized (log) {
                    log.write(LocalTime.now() + " ===== " + what + "\n");
                    log.flush();
                }
            }
        }

        void send(int id, String line) throws IOException {
            Writer w = stdins.get(id);
            synchronized (w) {
                w.write(line + "\n");
                w.flush();
            }
        }

        private String ask(int id, String question, String prefix) throws IOException, InterruptedException {
            answers.get(id).clear();
            send(id, question);
            String line = answers.get(id).poll(5, TimeUnit.SECONDS);
            if (line == null || !line.startsWith(prefix) || line.endsWith("none")) {
                throw new IOException("node-" + id + " did not answer " + question + ": " + line);
            }
            return line.substring(prefix.length());
        }

        ReplicaStatus status(int id) throws IOException, InterruptedException {
            return ReplicaStatus.parse(ask(id, "status", "STATUS "));
        }

        long age(int id) throws IOException, InterruptedException {
            return Long.parseLong(ask(id, "age", "AGE ").trim());
        }

        /**
         * Every node ordered a request in the last 500 ms; every replica installed the same regency, agrees on the
         * leader, has no leader change pending, and executes (its last executed id passes the highest before).
         */
        void awaitHealthy(String when, Duration bound) throws Exception {
            try {
                awaitHealthyOrThrow(when, bound);
            } catch (AssertionError | RuntimeException e) {
                dumpThreads();
                throw e;
            }
        }

        /** Thread dumps of every node process into its log (diagnostics when a bound is missed). */
        void dumpThreads() {
            String jstack =
                    Path.of(System.getProperty("java.home"), "bin", "jstack").toString();
            for (Map.Entry<Integer, Process> e : processes.entrySet()) {
                // the node's JVM and its replica's (a child process)
                List<ProcessHandle> jvms =
                        new java.util.ArrayList<>(List.of(e.getValue().toHandle()));
                e.getValue().children().forEach(jvms::add);
                for (ProcessHandle jvm : jvms) {
                    try {
                        Process dump = new ProcessBuilder(jstack, Long.toString(jvm.pid()))
                                .redirectErrorStream(true)
                                .redirectOutput(base.resolve("node-" + e.getKey() + "-" + jvm.pid() + ".jstack")
                                        .toFile())
                                .start();
                        dump.waitFor(20, TimeUnit.SECONDS);
                    } catch (IOException | InterruptedException ignored) {
                        // diagnostics only
                    }
                }
            }
        }

        private void awaitHealthyOrThrow(String when, Duration bound) throws Exception {
            long start = System.nanoTime();
            await("cluster healthy " + when + " (logs " + base + ")")
                    .atMost(bound)
                    .pollInterval(Duration.ofMillis(300))
                    .untilAsserted(() -> {
                        Map<Integer, ReplicaStatus> before = statuses();
                        int highest = before.values().stream()
                                .mapToInt(ReplicaStatus::lastExecuted)
                                .max()
                                .orElse(-1);
                        // progress is measured over an interval: time is the subject here
                        Thread.sleep(300);
                        Map<Integer, ReplicaStatus> after = statuses();
                        for (int i = 0; i < N; i++) {
                            assertThat(age(i))
                                    .as("node-%d: ms since its last ordered request", i)
                                    .isBetween(0L, 500L);
                        }
                        assertThat(after.values()).as("statuses %s", after).allSatisfy(s -> {
                            assertThat(s.inLeaderChange()).isFalse();
                            assertThat(s.retrievingState()).isFalse();
                            assertThat(s.regency()).isEqualTo(after.get(0).regency());
                            assertThat(s.leader()).isEqualTo(after.get(0).leader());
                            assertThat(s.lastExecuted()).isGreaterThanOrEqualTo(highest);
                        });
                    });
            System.out.printf(
                    "healthy %s after %d ms: %s%n", when, (System.nanoTime() - start) / 1_000_000, statuses());
        }

        Map<Integer, ReplicaStatus> statuses() throws Exception {
            Map<Integer, ReplicaStatus> out = new HashMap<>();
            for (int i = 0; i < N; i++) {
                out.put(i, status(i));
            }
            return out;
        }

        @Override
        public void close() {
            for (Process p : processes.values()) {
                p.destroyForcibly();
            }
            for (Process p : processes.values()) {
                try {
                    p.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            for (NetworkNamespace n : ns) {
                n.reconnect();
                n.close();
            }
            for (Writer log : logs.values()) {
                try {
                    log.close();
                } catch (IOException ignored) {
                    // diagnostics only
                }
            }
            String keep = System.getProperty("placement.it.keepLogs");
            try (Stream<Path> files = Files.walk(base)) {
                if (keep != null) {
                    Path target = Files.createDirectories(Path.of(keep).resolve(base.getFileName()));
                    try (Stream<Path> kept = Files.list(base)) {
                        for (Path f : kept.filter(Files::isRegularFile).toList()) {
                            Files.copy(f, target.resolve(f.getFileName()));
                        }
                    }
                }
                files.sorted(Comparator.reverseOrder())
                        .forEach(path -> path.toFile().delete());
            } catch (IOException ignored) {
                // best effort
            }
        }
    }
}
