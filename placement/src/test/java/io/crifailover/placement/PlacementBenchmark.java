package io.crifailover.placement;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * bench/placement: ordered-operation latency and throughput of the placement state machine (n=4, n=7) and of
 * etcd (n=3, n=7, durable puts), leader stall after SIGSTOP for both, and latency with one crashed replica. Same
 * machine, same run, loopback, one closed-loop client each. Writes JSON to the path given as first argument.
 */
public final class PlacementBenchmark {
    static final int WARMUP = 300;
    static final int OPS = 1000;
    private final Map<String, Object> out = new LinkedHashMap<>();

    public static void main(String[] args) throws Exception {
        Path target = Path.of(args.length > 0 ? args[0] : "bench/results/placement.json");
        PlacementBenchmark bench = new PlacementBenchmark();
        bench.run();
        bench.write(target);
        System.exit(0);
    }

    void run() throws Exception {
        out.put("ops_per_measurement", OPS);
        out.put("warmup_ops", WARMUP);
        out.put("cpus", Runtime.getRuntime().availableProcessors());
        out.put("bft_request_timeout_ms", ClusterConfig.DEFAULT_REQUEST_TIMEOUT.toMillis());
        bft(4);
        bft(7);
        bftOneDown();
        etcd(3);
        etcd(7);
        double bft4 = (double) out.get("bft_n4_p50_ms");
        double etcd3 = (double) out.get("etcd_n3_p50_ms");
        double oneDown = (double) out.get("bft_one_down_p50_ms");
        out.put("ratio_bft_n4_vs_etcd_n3_p50", round(bft4 / etcd3));
        out.put(
                "ratio_bft_n7_vs_etcd_n7_p50",
                round((double) out.get("bft_n7_p50_ms") / (double) out.get("etcd_n7_p50_ms")));
        out.put("ratio_bft_one_down_vs_healthy_p50", round(oneDown / (double) out.get("bft_one_down_healthy_p50_ms")));
        out.put(
                "ratio_bft_vs_etcd_leader_stall",
                round(((Number) out.get("bft_leader_stall_ms")).doubleValue()
                        / ((Number) out.get("etcd_leader_stall_ms")).doubleValue()));
        out.put("target_bft_leader_stall_le_1500ms", ((Number) out.get("bft_leader_stall_ms")).longValue() <= 1500);
        out.put("target_bft_one_down_le_3x_healthy", oneDown <= 3 * (double) out.get("bft_one_down_healthy_p50_ms"));
        out.put(
                "method",
                "closed-loop single client on loopback; BFT: PlacementClient ordered invoke of ReportLoad "
                        + "(n replicas, one JVM each, -Xmx128m); etcd: durable put via the v3 JSON gateway to one member; "
                        + "stall = longest gap between completed operations after SIGSTOP of the leader (etcd client sends "
                        + "to a follower and retries on error)");
    }

    private void bft(int n) throws Exception {
        try (ReplicaCluster cluster = ReplicaCluster.start(n, ClusterConfig.maxFaults(n));
                PlacementClient client = cluster.client()) {
            client.registerNode("n1", "a", "x86_64", List.of("avx"), 1);
            Latencies.measure(WARMUP, () -> client.reportLoad("n1", 1));
            Latencies.Summary s = Latencies.measure(OPS, () -> client.reportLoad("n1", 2));
            put("bft_n" + n, s);
            if (n == 4) {
                out.put("bft_leader_stall_ms", LeaderStall.measure(cluster, client, 0));
            }
        }
    }

    private void bftOneDown() throws Exception {
        try (ReplicaCluster cluster = ReplicaCluster.start(4, 1);
                PlacementClient client = cluster.client()) {
            client.registerNode("n1", "a", "x86_64", List.of("avx"), 1);
            Latencies.measure(WARMUP, () -> client.reportLoad("n1", 1));
            out.put(
                    "bft_one_down_healthy_p50_ms",
                    round(Latencies.measure(OPS, () -> client.reportLoad("n1", 2))
                            .p50()));
            cluster.kill(3);
            await().atMost(Duration.ofSeconds(5)).until(() -> client.replicaKnownDown(3));
            Latencies.Summary s = Latencies.measure(OPS, () -> client.reportLoad("n1", 3));
            out.put("bft_one_down_p50_ms", round(s.p50()));
            out.put("bft_one_down_p99_ms", round(s.p99()));
            out.put("bft_one_down_max_ms", round(s.max()));
        }
    }

    private void etcd(int n) throws Exception {
        try (EtcdCluster cluster = EtcdCluster.start(n)) {
            int leader = cluster.leader();
            int follower = (leader + 1) % n;
            Duration timeout = Duration.ofSeconds(15);
            Latencies.measure(WARMUP, () -> put(cluster, leader, timeout));
            put("etcd_n" + n, Latencies.measure(OPS, () -> put(cluster, leader, timeout)));
            if (n == 3) {
                out.put("etcd_leader_stall_ms", etcdStall(cluster, leader, follower));
            }
        }
    }

    private static long etcdStall(EtcdCluster cluster, int leader, int follower) throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicBoolean stopped = new AtomicBoolean();
        AtomicLong lastDone = new AtomicLong(System.nanoTime());
        AtomicLong maxGap = new AtomicLong();
        AtomicLong afterStop = new AtomicLong();
        Thread load = new Thread(
                () -> {
                    for (int i = 0; running.get() && i < 10_000_000; i++) {
                        try {
                            cluster.put(follower, "k", Integer.toString(i), Duration.ofSeconds(15));
                        } catch (IOException e) {
                            continue;
                        } catch (InterruptedException e) {
                            return;
                        }
                        long now = System.nanoTime();
                        long gap = now - lastDone.getAndSet(now);
                        if (stopped.get()) {
                            maxGap.accumulateAndGet(gap, Math::max);
                            afterStop.incrementAndGet();
                        }
                    }
                },
                "etcd-stall-load");
        load.setDaemon(true);
        load.start();
        try {
            cluster.signal(leader, "STOP");
            stopped.set(true);
            await().atMost(Duration.ofSeconds(60)).until(() -> afterStop.get() >= 200);
            return maxGap.get() / 1_000_000;
        } finally {
            running.set(false);
            cluster.signal(leader, "CONT");
            load.join(30_000);
        }
    }

    private static void put(EtcdCluster cluster, int member, Duration timeout) {
        try {
            cluster.put(member, "bench", "v", timeout);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void put(String prefix, Latencies.Summary s) {
        out.put(prefix + "_p50_ms", round(s.p50()));
        out.put(prefix + "_p99_ms", round(s.p99()));
        out.put(prefix + "_ops_per_s", round(s.opsPerSecond()));
        System.out.println(prefix + ": " + s);
    }

    private static double round(double v) {
        return Math.round(v * 1000.0) / 1000.0;
    }

    void write(Path target) throws IOException {
        String json = out.entrySet().stream()
                .map(e -> "  \"" + e.getKey() + "\": " + value(e.getValue()))
                .collect(Collectors.joining(",\n", "{\n", "\n}\n"));
        Files.createDirectories(target.toAbsolutePath().getParent());
        Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), ".placement", ".tmp");
        Files.writeString(tmp, json, StandardCharsets.UTF_8);
        try (var channel = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        System.out.print(json);
    }

    private static String value(Object v) {
        if (v instanceof String s) {
            return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }
        if (v instanceof Double d) {
            return String.format(Locale.ROOT, "%.3f", d);
        }
        return String.valueOf(v);
    }
}
