package io.crifailover.testbed;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.crifailover.failover.PodEvents;
import io.crifailover.testsupport.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.awaitility.Awaitility;

/**
 * {@code bench/failover.sh}: repeated failovers of the protected counter on one bed. Each run
 * protects a fresh pod on a live node, waits for two checkpoints, cuts the node off, measures,
 * then reconnects the node (it rejoins in a new epoch) and deletes the pod. Sources rotate over
 * the nodes; a run whose pod does not come back within the bound is recorded as failed.
 */
public final class FailoverBenchmark {
  private FailoverBenchmark() {}

  public static void main(String[] args) throws Exception {
    java.util.logging.Logger.getLogger("okhttp3").setLevel(java.util.logging.Level.WARNING);
    int runs = Integer.parseInt(args.length > 0 ? args[0] : "10");
    Path out = Path.of(args.length > 1 ? args[1] : "bench/results/failover.json");
    List<FailoverScenario.Result> results = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    try (FailoverBed bed = FailoverBed.start(FailoverBed.Options.defaults())) {
      PodEventsView events = new PodEventsView(bed.kube());
      for (int i = 0; i < runs; i++) {
        String source = "node-" + (1 + i % 4);
        String pod = "counter-" + i;
        bed.createProtectedPod(pod, source, TestImages.shared().counterImage(), "1s");
        Awaitility.await().atMost(Duration.ofSeconds(90)).until(
            () -> events.count("default", pod, PodEvents.CHECKPOINTED) >= 2);
        try {
          FailoverScenario.Result r = FailoverScenario.cutOff(bed, pod, source);
          results.add(r);
          System.out.printf("run %d: %s -> %s decided %d ms, restored %d ms, first good %d ms, lost %d units%n",
              i + 1, r.source(), r.target(), r.decidedMs(), r.restoredMs(), r.firstGoodMs(), r.lostUnits());
        } catch (RuntimeException e) {
          failed.add("run " + (i + 1) + " from " + source + ": " + e.getMessage());
          System.out.printf("run %d: %s FAILED: %s%n", i + 1, source, e.getMessage());
        }
        bed.reconnect(source);
        bed.kube().pods().inNamespace("default").withName(pod).delete();
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> bed.nodes().stream()
            .allMatch(n -> n.agent().pods().values().stream().noneMatch(p -> p.name().equals(pod))));
        Awaitility.await("nodes live again").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
            .until(() -> bed.nodes().stream().allMatch(n -> StatusPage.liveMembers(n) == 4));
      }
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("benchmark", "failover");
    json.put("workload", "counter (busybox, +1 every 100 ms), checkpoint interval 1 s");
    json.put("runs", runs);
    json.put("runs_succeeded", results.size());
    json.put("runs_failed", failed);
    json.put("detect_decide_ms", median(results, FailoverScenario.Result::decidedMs));
    json.put("pod_replaced_ms", median(results, FailoverScenario.Result::podReplacedMs));
    json.put("restore_ms", median(results, FailoverScenario.Result::restoredMs));
    json.put("fault_to_service_ms", median(results, FailoverScenario.Result::firstGoodMs));
    json.put("state_lost_ms", median(results, r -> r.lostUnits() * 100));
    json.put("fault_to_service_ms_max", results.stream().mapToLong(FailoverScenario.Result::firstGoodMs).max().orElse(-1));
    json.put("state_lost_ms_max", results.stream().mapToLong(r -> r.lostUnits() * 100).max().orElse(-1));
    json.put("thesis_fault_to_service_ms", "4500-7500");
    json.put("timing", "probe 100 ms x 3, heartbeat 100 ms, fence 700 ms + margin 250 ms, decisions polled every 100 ms");
    json.put("per_run", results.stream().map(r -> Map.of("source", r.source(), "target", r.target(),
        "decided_ms", r.decidedMs(), "restored_ms", r.restoredMs(), "first_good_ms", r.firstGoodMs(),
        "state_lost_ms", r.lostUnits() * 100)).toList());
    json.put("load_average_after", Files.readString(Path.of("/proc/loadavg")).trim());
    Files.createDirectories(out.toAbsolutePath().getParent());
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), json);
    System.out.println("wrote " + out);
  }

  private static long median(List<FailoverScenario.Result> rs, ToLongFunction<FailoverScenario.Result> f) {
    long[] v = rs.stream().mapToLong(f).sorted().toArray();
    return v.length == 0 ? -1 : v[v.length / 2];
  }
}
