package io.crifailover.testbed;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.crifailover.failover.PodEvents;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.awaitility.Awaitility;

/**
 * {@code bin/demo}: starts the four-node bed, protects a counter served over HTTP (1 s checkpoints) on
 * a node that does not host placement's BFT-SMaRt leader, cuts that node off while a TCP client reads
 * it, and prints the story: the failover timeline, the client's view and the state lost, then the
 * pod's events. Logs go to files named at the end, not to the console. Writes the client's samples as
 * CSV and JSON for the plot.
 */
public final class Demo {

    private Demo() {}

    public static void main(String[] args) {
        ExitAfter.run(Demo::run, args);
    }

    private static void run(String[] args) throws Exception {
        QuietConsole.routeJavaUtilLogging();
        Path out = Files.createDirectories(Path.of(args.length > 0 ? args[0] : "target/demo"));
        Path logs = Files.createDirectories(out.resolve("logs"));
        System.out.println("starting four nodes (containerd + shim + store + BFT-SMaRt replica each) ...");
        try (FailoverBed bed = FailoverBed.start(FailoverBed.Options.defaults())) {
            try {
                story(bed, out);
            } finally {
                bed.copyLogs(logs);
            }
        } finally {
            System.out.println("\nfull logs: "
                    + QuietConsole.logFile().map(f -> f + " and ").orElse("") + logs
                    + "/ (each node's shim and containerd)");
        }
    }

    private static void story(FailoverBed bed, Path out) throws Exception {
        PodEventsView events = new PodEventsView(bed.kube());
        // the failing node is a BFT-SMaRt follower; failing the leader's node adds a leader change (about
        // 0.7-1 s) before the verdict, as the benchmark's runs from random nodes show
        String leader = StatusPage.placementLeader(bed.node("node-1")).orElse("node-1");
        String source = bed.nodes().stream()
                .map(BedNode::name)
                .filter(n -> !n.equals(leader))
                .findFirst()
                .orElseThrow();
        System.out.println("placement's BFT-SMaRt leader is on " + leader + "; the demo fails a follower");
        TcpApps.App app = TcpApps.counter();
        bed.createProtectedPod("counter", source, app.image(), "1s");
        System.out.println("protected pod 'counter' runs on " + source + ": " + app.description());
        System.out.println("waiting for two checkpoints ...");
        Awaitility.await()
                .atMost(Duration.ofSeconds(90))
                .until(() -> events.count("default", "counter", PodEvents.CHECKPOINTED) >= 2);
        System.out.println("a client sends GET /count every 50 ms (250 ms deadline) to the pod's IP from the API;");
        System.out.println("cutting " + source + " off the network in 3 s (firewall rule; it keeps running) ...");
        FailoverScenario.Result r = FailoverScenario.cutOff(bed, "counter", source, app);
        print(r);
        write(r, out);
        System.out.println("\nevents on pod counter (kubectl describe pod counter):");
        printEvents(events.of("default", "counter"));
        System.out.println(
                "\nplot data: " + out.resolve("failover-samples.csv") + ", " + out.resolve("failover-timeline.json"));
    }

    /** Prints the events, each run of Checkpointed events from one node as its count and its last event. */
    static void printEvents(java.util.List<io.fabric8.kubernetes.api.model.Event> all) {
        for (int i = 0; i < all.size(); i++) {
            var e = all.get(i);
            String host = e.getSource() == null ? "" : e.getSource().getHost();
            int run = 1;
            while (PodEvents.CHECKPOINTED.equals(e.getReason())
                    && i + 1 < all.size()
                    && PodEvents.CHECKPOINTED.equals(all.get(i + 1).getReason())
                    && host.equals(
                            all.get(i + 1).getSource() == null
                                    ? ""
                                    : all.get(i + 1).getSource().getHost())) {
                e = all.get(++i);
                run++;
            }
            if (run > 1) {
                System.out.printf("  (%d earlier Checkpointed events from %s)%n", run - 1, host);
            }
            System.out.printf("  %-8s %-16s %-8s %s%n", e.getType(), e.getReason(), host, e.getMessage());
        }
    }

    static void print(FailoverScenario.Result r) {
        System.out.println();
        System.out.printf("failover timeline (ms after %s was cut off; restored on %s)%n", r.source(), r.target());
        System.out.printf("  %-50s %6s%n", "fault: " + r.source() + " cut off", 0);
        System.out.printf("  %-50s %6s%n", "suspected by a peer (3 missed probes)", ms(r.detectedMs()));
        System.out.printf(
                "  %-50s %6s%n", "decided by placement (f+1 suspicions), seen on " + r.target(), ms(r.decidedMs()));
        System.out.printf("  %-50s %6s%n", "pod replaced through the Kubernetes API", ms(r.podReplacedMs()));
        System.out.printf("  %-50s %6s%n", "container restored from checkpoint (CRIU)", ms(r.restoredMs()));
        System.out.printf("  %-50s %6s%n", "first good TCP response from " + r.target(), ms(r.firstGoodMs()));
        System.out.println("client: " + FailoverScenario.summary(r.samples()));
        System.out.println(stateLost(r));
    }

    /** The state-lost line; says so when the client had no good answer before the fault to compare with. */
    static String stateLost(FailoverScenario.Result r) {
        if (r.lostUnits().isEmpty()) {
            return "state lost: not known: the client had no good answer before the fault (first value after "
                    + r.firstValueAfter() + ")";
        }
        return "state lost: %d counter units = %d ms of the app's work (last value before the fault %d, first after %d)"
                .formatted(
                        r.lostUnits().getAsLong(),
                        r.stateLostMs().getAsLong(),
                        r.lastValueBefore().getAsLong(),
                        r.firstValueAfter());
    }

    private static String ms(long value) {
        return value < 0 ? "n/a" : Long.toString(value);
    }

    static void write(FailoverScenario.Result r, Path out) throws IOException {
        StringBuilder csv = new StringBuilder("t_ms,ok,latency_ms,value\n");
        r.samples()
                .forEach(s -> csv.append(s.atMs())
                        .append(',')
                        .append(s.ok() ? 1 : 0)
                        .append(',')
                        .append(s.latencyMs())
                        .append(',')
                        .append(s.value())
                        .append('\n'));
        Files.writeString(out.resolve("failover-samples.csv"), csv);
        Map<String, Object> json = new LinkedHashMap<>(r.summary());
        json.put("state_lost_units", r.lostUnits().isPresent() ? r.lostUnits().getAsLong() : null);
        new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(out.resolve("failover-timeline.json").toFile(), json);
    }
}
