package io.crifailover.testbed;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.crifailover.failover.PodEvents;
import io.crifailover.testsupport.Shell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.awaitility.Awaitility;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bench/chaos.sh}: failovers of the protected counter (HTTP, 1 s interval) under faults
 * drawn at random, to show that none is lost. On a four-node bed (f=1) each run draws one of: a
 * follower cut off, the BFT-SMaRt leader cut off, the node that failed last failing again after it
 * rejoined, a node killed (SIGKILL of its shim and its containerd; its containers keep running) and
 * a lying member that reports every healthy node as failed for 6 s (which must cause no failover).
 * Then a seven-node bed (f=2) cuts off two nodes at once, each running a protected pod. Every run
 * records fault to first good TCP response from another node and state lost; a run whose service
 * never came back is a lost failover. Writes {@code bench/results/chaos.json}.
 */
public final class ChaosBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger(ChaosBenchmark.class);
    private static final Duration LIE_FOR = Duration.ofSeconds(6);

    /** What goes wrong in one run. */
    enum Fault {
        FOLLOWER_CUT_OFF,
        LEADER_CUT_OFF,
        SAME_NODE_AGAIN,
        NODE_KILLED,
        LYING_MEMBER,
        TWO_NODES_CUT_OFF
    }

    private final Random random = new Random(20261207L);
    private final List<Map<String, Object>> runs = new ArrayList<>();
    private String lastFailed;
    private int podSerial;

    private ChaosBenchmark() {}

    public static void main(String[] args) {
        ExitAfter.run(ChaosBenchmark::run, args);
    }

    private static void run(String[] args) throws Exception {
        QuietConsole.routeJavaUtilLogging();
        int singleRuns = Integer.parseInt(args.length > 0 ? args[0] : "30");
        int doubleRuns = Integer.parseInt(args.length > 1 ? args[1] : "6");
        Path out = Path.of(args.length > 2 ? args[2] : "bench/results/chaos.json");
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "chaos");
        json.put(
                "what",
                "counter behind busybox httpd, checkpointed every 1 s; a TCP client sends one request every 50 ms"
                        + " (250 ms deadline) to the pod's IP from the API; fault to first good response from"
                        + " another node");
        json.put(
                "load_average_before",
                Files.readString(Path.of("/proc/loadavg")).trim());
        ChaosBenchmark chaos = new ChaosBenchmark();
        List<String> renewals = new ArrayList<>();
        try (RenewableBed beds = new RenewableBed(FailoverBed.Options.defaults())) {
            List<Fault> single = singleFaults();
            for (int i = 0; i < singleRuns; i++) {
                chaos.runOnce(beds, single.get(chaos.random.nextInt(single.size())));
                chaos.write(out, json);
            }
            renewals.addAll(beds.renewals());
        }
        if (doubleRuns > 0) {
            try (RenewableBed beds = new RenewableBed(new FailoverBed.Options(7, Map.of(), null))) {
                for (int i = 0; i < doubleRuns; i++) {
                    chaos.runOnce(beds, Fault.TWO_NODES_CUT_OFF);
                    chaos.write(out, json);
                }
                renewals.addAll(beds.renewals());
            } catch (RuntimeException e) {
                // the single-fault runs are worth writing down even when the bigger bed cannot start
                json.put("seven_node_bed_failed", e.getMessage());
                System.out.println("the seven-node bed failed: " + e.getMessage());
            }
        }
        json.put("fresh_bed_after", renewals);
        json.put(
                "load_average_after", Files.readString(Path.of("/proc/loadavg")).trim());
        chaos.write(out, json);
        System.out.println("wrote " + out
                + QuietConsole.logFile().map(f -> "; logs in " + f).orElse(""));
    }

    private void runOnce(RenewableBed beds, Fault fault) throws InterruptedException {
        FailoverBed bed = beds.get();
        List<String> names = bed.nodes().stream().map(BedNode::name).toList();
        Optional<String> leader = StatusPage.placementLeader(bed.nodes().get(0)).filter(names::contains);
        List<String> sources = switch (fault) {
            case LEADER_CUT_OFF -> List.of(leader.orElse(pick(names)));
            case SAME_NODE_AGAIN -> List.of(lastFailed != null ? lastFailed : pick(names));
            case FOLLOWER_CUT_OFF ->
                List.of(pick(names.stream()
                        .filter(n -> leader.isEmpty() || !n.equals(leader.get()))
                        .toList()));
            case TWO_NODES_CUT_OFF -> {
                List<String> two = new ArrayList<>(names);
                java.util.Collections.shuffle(two, random);
                yield two.subList(0, 2);
            }
            default -> List.of(pick(names));
        };
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("run", runs.size() + 1);
        run.put("fault", fault.name().toLowerCase());
        run.put("nodes", names.size());
        run.put("leader_before", leader.orElse(null));
        run.put("sources", sources);
        runs.add(run);
        List<FailoverScenario.Watched> watched = new ArrayList<>();
        try {
            if (fault == Fault.LYING_MEMBER) {
                lie(bed, sources.get(0), names, run);
                return;
            }
            for (String source : sources) {
                String pod = "chaos-" + (++podSerial);
                watched.add(new FailoverScenario.Watched(pod, source, TcpApps.counter()));
                startProtected(bed, pod, source);
            }
            List<FailoverScenario.Result> results = FailoverScenario.during(bed, watched, () -> {
                for (String source : sources) {
                    if (fault == Fault.NODE_KILLED) {
                        bed.kill(source);
                    } else {
                        bed.cutOff(source);
                    }
                }
            });
            List<Map<String, Object>> each = new ArrayList<>();
            for (FailoverScenario.Result r : results) {
                Map<String, Object> summary = r.summary();
                each.add(summary);
            }
            run.put("completed", true);
            run.put(
                    "fault_to_service_ms",
                    results.stream()
                            .mapToLong(FailoverScenario.Result::firstGoodMs)
                            .max()
                            .orElse(-1));
            run.put("failovers", each);
            System.out.printf(
                    "chaos run %d: %s %s -> fault to service %s ms%n",
                    runs.size(), run.get("fault"), sources, run.get("fault_to_service_ms"));
        } catch (RuntimeException e) {
            run.put("completed", false);
            run.put("why", e.getMessage());
            System.out.printf("chaos run %d: %s %s LOST: %s%n", runs.size(), run.get("fault"), sources, e.getMessage());
        } finally {
            recover(beds, fault, sources, "run " + runs.size());
            if (fault != Fault.LYING_MEMBER) {
                lastFailed = sources.get(0);
            }
        }
    }

    /** The faults drawn on the four-node bed: all of them, or those named in {@code crif.chaos.faults} (a comma list). */
    private static List<Fault> singleFaults() {
        String only = System.getProperty("crif.chaos.faults", "");
        return java.util.Arrays.stream(Fault.values())
                .filter(f -> f != Fault.TWO_NODES_CUT_OFF)
                .filter(f -> only.isBlank()
                        || List.of(only.toLowerCase().split(","))
                                .contains(f.name().toLowerCase()))
                .toList();
    }

    /** Writes the results so far (after every run, so a run stopped by hand keeps what it measured). */
    private void write(Path out, Map<String, Object> header) throws java.io.IOException {
        Map<String, Object> json = new LinkedHashMap<>(header);
        json.putAll(summary());
        json.put("runs", runs);
        Files.createDirectories(out.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), json);
    }

    private String pick(List<String> names) {
        return names.get(random.nextInt(names.size()));
    }

    private static void startProtected(FailoverBed bed, String pod, String node) {
        PodEventsView events = new PodEventsView(bed.kube());
        bed.createProtectedPod(pod, node, TcpApps.counter().image(), "1s");
        Awaitility.await(pod + " runs on " + node)
                .atMost(Duration.ofSeconds(90))
                .until(() -> bed.appContainer(node, pod).isPresent());
        Awaitility.await(pod + " checkpointed twice")
                .atMost(Duration.ofSeconds(120))
                .until(() -> events.count("default", pod, PodEvents.CHECKPOINTED) >= 2);
    }

    /**
     * A member votes against every other node for {@link #LIE_FOR}, while a protected pod runs on one of them. Passes
     * when the pod was neither moved nor restarted and every node is still live everywhere.
     */
    private void lie(FailoverBed bed, String liar, List<String> names, Map<String, Object> run) {
        List<String> victims = names.stream().filter(n -> !n.equals(liar)).toList();
        String podNode = pick(victims);
        String pod = "chaos-" + (++podSerial);
        startProtected(bed, pod, podNode);
        String container = bed.appContainer(podNode, pod).orElseThrow();
        BedNode node = bed.node(liar);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m",
                "-cp",
                System.getProperty("java.class.path"),
                LyingMember.class.getName(),
                bed.dir().resolve(liar).resolve("state").resolve("placement").toString(),
                Integer.toString(names.indexOf(liar)),
                liar,
                Long.toString(LIE_FOR.toMillis())));
        command.addAll(victims);
        Shell.Result lied = node.netns().exec(command.toArray(String[]::new));
        LOG.info("lying member {} (exit {}):\n{}", liar, lied.exitCode(), lied.output());
        String said = lied.output()
                .lines()
                .filter(l -> l.startsWith("lying member"))
                .findFirst()
                .orElse("lying member did not run (exit " + lied.exitCode() + "): "
                        + lied.output()
                                .lines()
                                .filter(l -> !l.isBlank())
                                .reduce((a, b) -> b)
                                .orElse(""));
        boolean moved = !bed.nodeOf(pod).orElse("").equals(podNode)
                || !bed.appContainer(podNode, pod).orElse("").equals(container);
        long failedSeen = bed.nodes().stream()
                .filter(n -> StatusPage.memberStatuses(n).containsValue("FAILED"))
                .count();
        run.put("pod_node", podNode);
        run.put("liar", said);
        run.put("failover_caused", moved || failedSeen > 0);
        run.put("completed", lied.ok() && !moved && failedSeen == 0);
        System.out.printf(
                "chaos run %d: lying member %s against %s: %s; pod %s, %d nodes saw a FAILED member%n",
                runs.size(), liar, victims, said, moved ? "MOVED" : "stayed", failedSeen);
        bed.kube().pods().inNamespace("default").withName(pod).delete();
    }

    /** Brings the failed nodes back and removes the run's pods; waits until every node sees all members live. */
    private static void recover(RenewableBed beds, Fault fault, List<String> sources, String run) {
        FailoverBed bed = beds.get();
        for (String source : sources) {
            if (fault == Fault.NODE_KILLED) {
                bed.revive(source);
            } else if (fault != Fault.LYING_MEMBER) {
                bed.reconnect(source);
            }
        }
        List<String> pods = new ArrayList<>(bed.kube().pods().inNamespace("default").list().getItems().stream()
                .map(p -> p.getMetadata().getName())
                .filter(n -> n.startsWith("chaos-"))
                .toList());
        pods.forEach(p -> bed.kube().pods().inNamespace("default").withName(p).delete());
        pods.forEach(p -> beds.awaitPodGone(p, Duration.ofSeconds(60)));
        beds.awaitLiveOrRenew(Duration.ofSeconds(120), run);
    }

    private Map<String, Object> summary() {
        Map<String, Object> s = new LinkedHashMap<>();
        List<Long> times = new ArrayList<>();
        Map<String, List<Long>> byFault = new LinkedHashMap<>();
        long lost = 0;
        long falseFailovers = 0;
        for (Map<String, Object> run : runs) {
            String fault = (String) run.get("fault");
            if (Fault.LYING_MEMBER.name().toLowerCase().equals(fault)) {
                if (!Boolean.TRUE.equals(run.get("completed"))) {
                    falseFailovers++;
                }
                continue;
            }
            if (!Boolean.TRUE.equals(run.get("completed"))) {
                lost++;
                continue;
            }
            long t = (Long) run.get("fault_to_service_ms");
            byFault.computeIfAbsent(fault, k -> new ArrayList<>()).add(t);
            if (!Fault.TWO_NODES_CUT_OFF.name().toLowerCase().equals(fault)) {
                times.add(t);
            }
        }
        s.put("runs_total", runs.size());
        s.put("failovers_lost", lost);
        s.put("lying_member_runs_that_caused_a_failover", falseFailovers);
        s.put("single_fault_fault_to_service_ms_median", FailoverBenchmark.percentile(times, 50));
        s.put("single_fault_fault_to_service_ms_p95", FailoverBenchmark.percentile(times, 95));
        s.put(
                "single_fault_fault_to_service_ms_max",
                times.stream().mapToLong(Long::longValue).max().orElse(-1));
        Map<String, Object> perFault = new LinkedHashMap<>();
        byFault.forEach((fault, values) -> {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("completed", values.size());
            f.put("median_ms", FailoverBenchmark.percentile(values, 50));
            f.put("p95_ms", FailoverBenchmark.percentile(values, 95));
            perFault.put(fault, f);
        });
        s.put("per_fault", perFault);
        return s;
    }
}
