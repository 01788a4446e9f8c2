package io.crifailover.testbed;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.crifailover.failover.PodEvents;
import io.crifailover.failover.ProtectionSettings;
import io.crifailover.testsupport.RedisClient;
import io.crifailover.testsupport.TestImages;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.ToLongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;

/**
 * {@code bench/failover.sh}: repeated failovers on one four-node bed, then the CPU cost of
 * protection. Each failover run protects a fresh pod (1 s interval) on a node drawn at random
 * (fixed seed, so a failed node hosts the BFT-SMaRt leader about as often as in life), waits for two
 * checkpoints after its data is loaded, cuts the node off while a TCP client of the app sends a
 * request every 50 ms (250 ms deadline) to the pod's address from the API, measures, then reconnects
 * the node (it rejoins in a new epoch) and deletes the pod. Series: the counter over HTTP, redis
 * holding 1 MiB and 100 MiB (INCR over TCP), and the visits app (HTTP CGI). Each records fault to
 * first good TCP response and state lost (median and p95) and, side by side, the earlier exec-based
 * numbers carried over from the results file it replaces. The CPU part compares, in the same run,
 * whole-machine CPU use over equal windows with the counter unprotected and protected at 1 s and
 * 10 s (and unprotected again, to see drift).
 */
public final class FailoverBenchmark {
    private static final Pattern FROZEN = Pattern.compile("CRIU frozen (\\d+) ms, (\\d+) ms end to end");
    private static final Duration CPU_WINDOW = Duration.ofSeconds(Long.getLong("crif.bench.cpuWindowSeconds", 30));
    private static final Duration LOAD_DEADLINE = Duration.ofSeconds(60);

    private FailoverBenchmark() {}

    /** One series of failovers: its name, the app, how many keys of what size to load into redis first. */
    private record Series(String name, TcpApps.App app, int keys, int valueBytes) {}

    public static void main(String[] args) {
        ExitAfter.run(FailoverBenchmark::run, args);
    }

    private static void run(String[] args) throws Exception {
        QuietConsole.routeJavaUtilLogging();
        int runs = Integer.parseInt(args.length > 0 ? args[0] : "10");
        Path out = Path.of(args.length > 1 ? args[1] : "bench/results/failover.json");
        List<String> parts = Arrays.asList(
                (args.length > 2 ? args[2] : "counter,redis-1MiB,redis-100MiB,http-visits,cpu").split(","));
        List<Series> all = List.of(
                new Series("counter", TcpApps.counter(), 0, 0),
                new Series("redis-1MiB", TcpApps.redisIncr(), 1024, 1024),
                new Series("redis-100MiB", TcpApps.redisIncr(), 102_400, 1024),
                new Series("http-visits", TcpApps.visits(), 0, 0));
        Map<String, Map<String, Object>> earlier = ExecBaseline.read(out);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "failover");
        json.put("client", "tcp");
        json.put(
                "client_details",
                "one request every 50 ms, 250 ms deadline, to the pod's IP as the API reports it (watched, as"
                        + " kube-proxy does); first good response counts only from a node other than the failed one");
        json.put("runs_per_series", runs);
        json.put("checkpoint_interval", "1s");
        json.put(
                "timing",
                "probe 100 ms x 3, heartbeat 100 ms, fence lease 500 ms + margin 200 ms, decisions polled"
                        + " every 100 ms, BFT-SMaRt request timeout 500 ms");
        json.put("thesis_fault_to_service_ms", "4500-7500");
        json.put(
                "load_average_before",
                Files.readString(Path.of("/proc/loadavg")).trim());
        Random random = new Random(20261122L);
        try (RenewableBed beds = new RenewableBed(FailoverBed.Options.defaults())) {
            for (Series s : all) {
                if (parts.contains(s.name())) {
                    Map<String, Object> series = runSeries(beds, s, runs, random);
                    ExecBaseline.compare(series, earlier.get(s.name()));
                    json.put(s.name(), series);
                }
            }
            if (parts.contains("cpu")) {
                json.put(
                        "cpu_overhead",
                        cpuOverhead(beds.get(), TestImages.shared().counterImage()));
            } else {
                ExecBaseline.previousCpuOverhead(out).ifPresent(cpu -> json.put("cpu_overhead", cpu));
            }
            json.put("fresh_bed_after", beds.renewals());
        }
        json.put(
                "load_average_after", Files.readString(Path.of("/proc/loadavg")).trim());
        Files.createDirectories(out.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), json);
        System.out.println("wrote " + out
                + QuietConsole.logFile().map(f -> "; logs in " + f).orElse(""));
    }

    private static Map<String, Object> runSeries(RenewableBed beds, Series s, int runs, Random random) {
        List<FailoverScenario.Result> results = new ArrayList<>();
        List<Map<String, Object>> perRun = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        List<Long> frozen = new ArrayList<>();
        List<Long> endToEnd = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            FailoverBed bed = beds.get();
            PodEventsView events = new PodEventsView(bed.kube());
            String source = "node-" + (1 + random.nextInt(bed.nodes().size()));
            String pod = s.name().toLowerCase() + "-" + i;
            try {
                bed.createProtectedPod(pod, source, s.app().image(), "1s");
                Awaitility.await()
                        .atMost(Duration.ofSeconds(90))
                        .until(() -> bed.appContainer(source, pod).orElse(null), c -> c != null);
                if (s.keys() > 0) {
                    load(bed, pod, s);
                }
                long before = events.count("default", pod, PodEvents.CHECKPOINTED);
                Awaitility.await()
                        .atMost(Duration.ofSeconds(120))
                        .until(() -> events.count("default", pod, PodEvents.CHECKPOINTED) >= before + 2);
                FailoverScenario.Result r = FailoverScenario.cutOff(bed, pod, source, s.app());
                long keys = s.keys() > 0 ? keysAfter(bed, pod) : -1;
                results.add(r);
                Map<String, Object> run = r.summary();
                if (s.keys() > 0) {
                    run.put("keys_after", keys);
                    run.put("keys_loaded", s.keys() + 1);
                }
                perRun.add(run);
                System.out.printf(
                        "%s run %d: %s -> %s detect %d, decide %d, restored %d, first good TCP response %d ms,"
                                + " lost %s%s%n",
                        s.name(),
                        i + 1,
                        r.source(),
                        r.target(),
                        r.detectedMs(),
                        r.decidedMs(),
                        r.restoredMs(),
                        r.firstGoodMs(),
                        r.stateLostMs().isPresent() ? r.stateLostMs().getAsLong() + " ms" : "not known",
                        s.keys() > 0 ? ", keys " + keys : "");
            } catch (RuntimeException e) {
                failed.add("run " + (i + 1) + " from " + source + ": " + e.getMessage());
                System.out.printf("%s run %d: %s FAILED: %s%n", s.name(), i + 1, source, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            checkpointTimes(events, pod, frozen, endToEnd);
            bed.reconnect(source);
            bed.kube().pods().inNamespace("default").withName(pod).delete();
            beds.awaitPodGone(pod, Duration.ofSeconds(60));
            beds.awaitLiveOrRenew(Duration.ofSeconds(90), s.name() + " run " + (i + 1));
        }
        List<Long> toService =
                results.stream().map(FailoverScenario.Result::firstGoodMs).toList();
        List<Long> lost = results.stream()
                .map(FailoverScenario.Result::stateLostMs)
                .filter(java.util.OptionalLong::isPresent)
                .map(java.util.OptionalLong::getAsLong)
                .toList();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put(
                "workload",
                s.keys() == 0
                        ? s.app().description()
                        : s.app().description() + "; holding " + s.keys() + " keys x " + s.valueBytes() + " B");
        json.put("runs", runs);
        json.put("runs_succeeded", results.size());
        json.put("runs_failed", failed);
        json.put("detect_ms", median(results, FailoverScenario.Result::detectedMs));
        json.put("decide_ms", median(results, FailoverScenario.Result::decidedMs));
        json.put("pod_replaced_ms", median(results, FailoverScenario.Result::podReplacedMs));
        json.put("restore_ms", median(results, FailoverScenario.Result::restoredMs));
        json.put("fault_to_service_ms", percentile(toService, 50));
        json.put("fault_to_service_ms_p95", percentile(toService, 95));
        json.put(
                "fault_to_service_ms_max",
                toService.stream().mapToLong(Long::longValue).max().orElse(-1));
        json.put("state_lost_ms", percentile(lost, 50));
        json.put("state_lost_ms_p95", percentile(lost, 95));
        json.put(
                "state_lost_ms_max",
                lost.stream().mapToLong(Long::longValue).max().orElse(-1));
        json.put("state_lost_not_known_runs", results.size() - lost.size());
        json.put("frozen_ms", median(frozen));
        json.put("checkpoint_end_to_end_ms", median(endToEnd));
        json.put("checkpoints", frozen.size());
        json.put("per_run", perRun);
        return json;
    }

    /** Loads the series' keys into redis over TCP at the pod's address (idempotent, so it may be repeated). */
    private static void load(FailoverBed bed, String pod, Series s) {
        String script = "for i=1,tonumber(ARGV[1]) do redis.call('SET','k'..i,string.rep('x',tonumber(ARGV[2]))) end"
                + " return redis.call('DBSIZE')";
        Awaitility.await("redis " + pod + " holds " + s.keys() + " keys")
                .atMost(Duration.ofSeconds(120))
                .ignoreExceptions()
                .until(
                        () -> {
                            try (RedisClient redis = RedisClient.connect(redisAddress(bed, pod), LOAD_DEADLINE)) {
                                return redis.callLong(
                                        LOAD_DEADLINE,
                                        "EVAL",
                                        script,
                                        "0",
                                        Integer.toString(s.keys()),
                                        Integer.toString(s.valueBytes()));
                            }
                        },
                        n -> n >= s.keys());
    }

    private static long keysAfter(FailoverBed bed, String pod) {
        return Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(
                        () -> {
                            try (RedisClient redis =
                                    RedisClient.connect(redisAddress(bed, pod), Duration.ofSeconds(5))) {
                                return redis.callLong(Duration.ofSeconds(5), "DBSIZE");
                            }
                        },
                        n -> n >= 0);
    }

    private static InetSocketAddress redisAddress(FailoverBed bed, String pod) {
        return new InetSocketAddress(
                bed.podIp(pod).orElseThrow(() -> new IllegalStateException(pod + " has no IP yet")),
                TestImages.REDIS_PORT);
    }

    private static void checkpointTimes(PodEventsView events, String pod, List<Long> frozen, List<Long> endToEnd) {
        for (var e : events.of("default", pod)) {
            Matcher m = FROZEN.matcher(String.valueOf(e.getMessage()));
            if (PodEvents.CHECKPOINTED.equals(e.getReason()) && m.find()) {
                frozen.add(Long.parseLong(m.group(1)));
                endToEnd.add(Long.parseLong(m.group(2)));
            }
        }
    }

    /**
     * Whole-machine CPU (all four nodes: runtimes, CRIU, shims, stores, replicas) over equal windows
     * with one counter pod on node-1: unprotected, protected at 1 s, at 10 s, unprotected again.
     */
    private static Map<String, Object> cpuOverhead(FailoverBed bed, String image) throws Exception {
        PodEventsView events = new PodEventsView(bed.kube());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("window_s", CPU_WINDOW.toSeconds());
        json.put(
                "what",
                "busy CPU of the whole machine (cores) with one counter pod on node-1; overhead = "
                        + "protected minus the mean of the two unprotected windows");
        String[][] phases = {
            {"unprotected", null}, {"protected_1s", "1s"}, {"protected_10s", "10s"}, {"unprotected_again", null}
        };
        Map<String, Double> cores = new LinkedHashMap<>();
        for (String[] phase : phases) {
            String pod = "cpu-" + phase[0].replace('_', '-');
            Map<String, String> annotations =
                    phase[1] == null ? Map.of() : Map.of(ProtectionSettings.INTERVAL, phase[1]);
            bed.createPod(pod, "node-1", image, annotations);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(90))
                    .until(() -> bed.appContainer("node-1", pod).isPresent());
            if (phase[1] != null) {
                Awaitility.await()
                        .atMost(Duration.ofSeconds(60))
                        .until(() -> events.count("default", pod, PodEvents.CHECKPOINTED) >= 1);
            } else {
                // an unprotected pod has no event to wait for: give it the same 5 s to settle (time is the subject)
                Awaitility.await().pollDelay(Duration.ofSeconds(5)).until(() -> true);
            }
            long c0 = events.count("default", pod, PodEvents.CHECKPOINTED);
            PhaseShares shares = phase[1] == null ? null : PhaseShares.start(bed.node("node-1"), pod);
            long[] before = cpuJiffies();
            // the CPU window itself: a measured stretch of time is the subject
            Awaitility.await()
                    .pollDelay(CPU_WINDOW)
                    .atMost(CPU_WINDOW.plusSeconds(5))
                    .until(() -> true);
            long[] after = cpuJiffies();
            long checkpoints = events.count("default", pod, PodEvents.CHECKPOINTED) - c0;
            double busy = (double) (after[0] - before[0])
                    / (after[1] - before[1])
                    * Runtime.getRuntime().availableProcessors();
            cores.put(phase[0], busy);
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("busy_cores", round(busy));
            p.put("checkpoints_in_window", checkpoints);
            if (shares != null) {
                p.put("checkpoint_phases", shares.since(bed.node("node-1"), pod));
            }
            json.put(phase[0], p);
            System.out.printf(
                    "cpu %s: %.3f cores busy, %d checkpoints in %d s%n",
                    phase[0], busy, checkpoints, CPU_WINDOW.toSeconds());
            bed.kube().pods().inNamespace("default").withName(pod).delete();
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> bed.appContainer("node-1", pod).isEmpty());
        }
        double base = (cores.get("unprotected") + cores.get("unprotected_again")) / 2;
        json.put("overhead_cores_1s", round(cores.get("protected_1s") - base));
        json.put("overhead_cores_10s", round(cores.get("protected_10s") - base));
        json.put("ratio_1s_vs_unprotected", round(cores.get("protected_1s") / base));
        json.put("ratio_10s_vs_unprotected", round(cores.get("protected_10s") / base));
        return json;
    }

    /** {busy, total} jiffies over all CPUs from /proc/stat. */
    private static long[] cpuJiffies() throws java.io.IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < f.length && i <= 8; i++) {
            total += Long.parseLong(f[i]);
        }
        long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
        return new long[] {total - idle, total};
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static long median(List<FailoverScenario.Result> rs, ToLongFunction<FailoverScenario.Result> f) {
        return median(rs.stream().map(r -> f.applyAsLong(r)).toList());
    }

    /** The p-th percentile (nearest rank) of the values that were measured (>= 0); -1 if none. */
    static long percentile(List<Long> values, int p) {
        long[] v = values.stream()
                .mapToLong(Long::longValue)
                .filter(x -> x >= 0)
                .sorted()
                .toArray();
        if (v.length == 0) {
            return -1;
        }
        int rank = (int) Math.ceil(p / 100.0 * v.length);
        return v[Math.max(0, rank - 1)];
    }

    private static long median(List<Long> values) {
        long[] v = values.stream()
                .mapToLong(Long::longValue)
                .filter(x -> x >= 0)
                .sorted()
                .toArray();
        return v.length == 0 ? -1 : v[v.length / 2];
    }
}
