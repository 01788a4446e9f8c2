package io.crifailover.testbed;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.crifailover.failover.PodEvents;
import io.crifailover.testsupport.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.awaitility.Awaitility;

/**
 * {@code bin/demo}: starts the four-node bed, protects a counter (1 s checkpoints) on a node that does
 * not host placement's BFT-SMaRt leader, cuts that node off, and prints the failover timeline and
 * the state lost; writes the client's view as CSV
 * and JSON for the plot.
 */
public final class Demo {

    private Demo() {}

    public static void main(String[] args) {
        ExitAfter.run(Demo::run, args);
    }

    private static void run(String[] args) throws Exception {
        java.util.logging.Logger.getLogger("okhttp3").setLevel(java.util.logging.Level.WARNING);
        Path out = Files.createDirectories(Path.of(args.length > 0 ? args[0] : "target/demo"));
        System.out.println("starting four nodes (containerd + shim + store + BFT-SMaRt replica each) ...");
        try (FailoverBed bed = FailoverBed.start(FailoverBed.Options.defaults())) {
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
            bed.createProtectedPod("counter", source, TestImages.shared().counterImage(), "1s");
            System.out.println("protected pod 'counter' runs on " + source + "; waiting for two checkpoints ...");
            Awaitility.await()
                    .atMost(Duration.ofSeconds(90))
                    .until(() -> events.count("default", "counter", PodEvents.CHECKPOINTED) >= 2);
            System.out.println("cutting " + source + " off the network (firewall rule; it keeps running) ...");
            FailoverScenario.Result r = FailoverScenario.cutOff(bed, "counter", source);
            print(r);
            write(r, out);
            System.out.println("\nevents on pod counter (kubectl describe pod counter):");
            printEvents(events.of("default", "counter"));
        }
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
        System.out.printf("  %-44s %6d%n", "fault: " + r.source() + " cut off", 0);
        System.out.printf("  %-44s %6d%n", "suspected by a peer (3 missed probes)", r.detectedMs());
        System.out.printf(
                "  %-44s %6d%n", "decided by placement (f+1 suspicions), seen on " + r.target(), r.decidedMs());
        System.out.printf("  %-44s %6d%n", "pod replaced through the Kubernetes API", r.podReplacedMs());
        System.out.printf("  %-44s %6d%n", "container restored from checkpoint (CRIU)", r.restoredMs());
        System.out.printf("  %-44s %6d%n", "first good response to the client", r.firstGoodMs());
        System.out.printf(
                "state lost: %d counter units = %d ms of the app's work (last value before the fault %d, "
                        + "first after %d)%n",
                r.lostUnits(), r.stateLostMs(), r.lastValueBefore(), r.firstValueAfter());
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
        json.put("state_lost_units", r.lostUnits());
        new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(out.resolve("failover-timeline.json").toFile(), json);
    }
}
