package io.crifailover.testbed;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;

/**
 * One measured failover: a client reads the counter every 50 ms through the CRI of the node the
 * pod is bound to (as {@code kubectl exec} would; CRIU 4.1 cannot checkpoint a listening TCP socket
 * on this kernel, so the restored counter does not serve HTTP), the pod's node is cut off, and the
 * run records when the restoring node saw the decision, replaced the pod and restored the
 * container, when the client got its first good answer again, and how much counter state was lost.
 */
public final class FailoverScenario {
  private static final Duration CLIENT_PERIOD = Duration.ofMillis(50);
  private static final Duration CLIENT_TIMEOUT = Duration.ofMillis(250);

  /** One client request: when it was sent (ms after the fault, negative before), its outcome. */
  public record Sample(long atMs, boolean ok, long latencyMs, long value) {}

  /** What one failover took, in ms after the fault. */
  public record Result(String source, String target, long decidedMs, long podReplacedMs, long restoredMs,
      long firstGoodMs, long lastValueBefore, long firstValueAfter, List<Sample> samples) {
    /** Counter state lost, in counter units (each worth 100 ms of the app's work). */
    public long lostUnits() {
      return Math.max(0, lastValueBefore - firstValueAfter);
    }
  }

  private FailoverScenario() {}

  /** Runs the protected counter {@code pod} (already running on {@code source}) through a cut-off. */
  public static Result cutOff(FailoverBed bed, String pod, String source) throws InterruptedException {
    List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean stop = new AtomicBoolean();
    long[] faultNanos = {Long.MAX_VALUE};
    Thread client = new Thread(() -> {
      long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (!stop.get() && System.nanoTime() < end) {
        long sent = System.nanoTime();
        long value = -1;
        boolean ok = false;
        try {
          Optional<String> node = bed.nodeOf(pod);
          Optional<String> container = node.flatMap(n -> bed.appContainer(n, pod));
          if (container.isPresent()) {
            value = bed.node(node.get()).cri().counter(container.get(), CLIENT_TIMEOUT);
            ok = true;
          }
        } catch (RuntimeException e) {
          ok = false;
        }
        long now = System.nanoTime();
        samples.add(new Sample(ms(sent - faultNanos[0]), ok, ms(now - sent), value));
        long sleep = CLIENT_PERIOD.toMillis() - ms(now - sent);
        if (sleep > 0) {
          try {
            Thread.sleep(sleep);
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    }, "failover-client");
    faultNanos[0] = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    client.start();
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> System.nanoTime() >= faultNanos[0]);
    long fault = System.nanoTime();
    faultNanos[0] = fault;
    long faultEpochMs = System.currentTimeMillis();
    bed.cutOff(source);
    String target = Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
        .until(() -> bed.nodeOf(pod).orElse(source), n -> !n.equals(source));
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> {
      synchronized (samples) {
        return samples.stream().anyMatch(s -> s.ok() && s.atMs() > 0 && s.value() >= 0)
            && !bed.nodeOf(pod).orElse(source).equals(source);
      }
    });
    Awaitility.await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);
    stop.set(true);
    client.join(5_000);

    List<Sample> all;
    synchronized (samples) {
      all = List.copyOf(samples);
    }
    long lastBefore = all.stream().filter(s -> s.ok() && s.atMs() < 0).mapToLong(Sample::value).max().orElse(-1);
    Sample firstGood = all.stream().filter(s -> s.ok() && s.atMs() > 0 && s.value() >= 0)
        .filter(s -> all.stream().anyMatch(b -> !b.ok() && b.atMs() > 0 && b.atMs() < s.atMs()))
        .findFirst().orElseThrow(() -> new IllegalStateException("the service never came back: "
            + summary(all)));
    var phases = StatusPage.timeline(bed.node(target), faultEpochMs);
    return new Result(source, target, phases.getOrDefault("decided", -1L), phases.getOrDefault("pod_replaced", -1L),
        phases.getOrDefault("restored", -1L), firstGood.atMs(), lastBefore, firstGood.value(), all);
  }

  private static String summary(List<Sample> all) {
    long okBefore = all.stream().filter(s -> s.ok() && s.atMs() < 0).count();
    long failBefore = all.stream().filter(s -> !s.ok() && s.atMs() < 0).count();
    long okAfter = all.stream().filter(s -> s.ok() && s.atMs() >= 0).count();
    long failAfter = all.stream().filter(s -> !s.ok() && s.atMs() >= 0).count();
    return "before the fault " + okBefore + " ok / " + failBefore + " failed, after " + okAfter + " ok / "
        + failAfter + " failed";
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }
}
