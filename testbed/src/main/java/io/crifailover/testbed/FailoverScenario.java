package io.crifailover.testbed;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;

/**
 * One measured failover: a client sends the app a request every 50 ms through the CRI of the node
 * the pod is bound to (as {@code kubectl exec} would; CRIU 4.1 cannot checkpoint a listening TCP
 * socket on this kernel, so the restored apps do not serve TCP), the pod's node is cut off, and the
 * run records when the other nodes began to suspect it, when the restoring node saw the decision,
 * replaced the pod and restored the container, when the client got its first good answer again,
 * and how much of the app's state was lost.
 */
public final class FailoverScenario {
    private static final Duration CLIENT_PERIOD = Duration.ofMillis(50);
    private static final Duration CLIENT_TIMEOUT = Duration.ofMillis(250);

    /** How the client talks to the protected app. */
    public interface App {
        /** One request; returns a value that grows with the app's work (its state). */
        long request(io.crifailover.testsupport.CriClient cri, String containerId, Duration timeout);

        /** How many ms of the app's work one unit of that value stands for, judged from the samples before the fault. */
        long unitMs(List<Sample> before);
    }

    /** The counter image: reads /data/count, which the app increments every 100 ms. */
    public static final App COUNTER = new App() {
        @Override
        public long request(io.crifailover.testsupport.CriClient cri, String containerId, Duration timeout) {
            return cri.counter(containerId, timeout);
        }

        @Override
        public long unitMs(List<Sample> before) {
            return 100;
        }
    };

    /** Redis: every request is {@code INCR tick}, so a unit is one client request (about 50 ms apart). */
    public static final App REDIS_INCR = new App() {
        @Override
        public long request(io.crifailover.testsupport.CriClient cri, String containerId, Duration timeout) {
            return Long.parseLong(
                    cri.execWithin(containerId, timeout, "redis-cli", "-s", "/data/redis.sock", "incr", "tick")
                            .trim());
        }

        @Override
        public long unitMs(List<Sample> before) {
            List<Sample> ok = before.stream().filter(Sample::ok).toList();
            if (ok.size() < 2) {
                return CLIENT_PERIOD.toMillis();
            }
            return Math.max(1, (ok.get(ok.size() - 1).atMs() - ok.get(0).atMs()) / (ok.size() - 1));
        }
    };

    /** One client request: when it was sent (ms after the fault, negative before), its outcome, which node served it. */
    public record Sample(long atMs, boolean ok, long latencyMs, long value, String node) {}

    /** What one failover took, in ms after the fault; -1 where a phase was not seen. */
    public record Result(
            String source,
            String target,
            long detectedMs,
            long decidedMs,
            long podReplacedMs,
            long restoredMs,
            long firstGoodMs,
            long lastValueBefore,
            long firstValueAfter,
            long unitMs,
            List<Sample> samples) {
        /** App state lost, in the app's units (for the counter each is worth 100 ms of its work). */
        public long lostUnits() {
            return Math.max(0, lastValueBefore - firstValueAfter);
        }

        /** App state lost, in ms of the app's work. */
        public long stateLostMs() {
            return lostUnits() * unitMs;
        }

        /** The run's phases under the names the benchmark and the demo's plot use. */
        public java.util.Map<String, Object> summary() {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("source", source);
            m.put("target", target);
            m.put("detect_ms", detectedMs);
            m.put("decide_ms", decidedMs);
            m.put("pod_replaced_ms", podReplacedMs);
            m.put("restore_ms", restoredMs);
            m.put("fault_to_service_ms", firstGoodMs);
            m.put("state_lost_ms", stateLostMs());
            return m;
        }
    }

    private FailoverScenario() {}

    /** Runs the protected counter {@code pod} (already running on {@code source}) through a cut-off. */
    public static Result cutOff(FailoverBed bed, String pod, String source) throws InterruptedException {
        return cutOff(bed, pod, source, COUNTER);
    }

    /** Runs the protected {@code app} in {@code pod} (already running on {@code source}) through a cut-off. */
    public static Result cutOff(FailoverBed bed, String pod, String source, App app) throws InterruptedException {
        List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        long[] faultNanos = {Long.MAX_VALUE};
        Thread client = new Thread(
                () -> {
                    long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                    while (!stop.get() && System.nanoTime() < end) {
                        long sent = System.nanoTime();
                        long value = -1;
                        boolean ok = false;
                        Optional<String> node = Optional.empty();
                        try {
                            node = bed.nodeOf(pod);
                            Optional<String> container = node.flatMap(n -> bed.appContainer(n, pod));
                            if (container.isPresent()) {
                                value = app.request(bed.node(node.get()).cri(), container.get(), CLIENT_TIMEOUT);
                                ok = true;
                            }
                        } catch (RuntimeException e) {
                            ok = false;
                        }
                        long now = System.nanoTime();
                        samples.add(new Sample(ms(sent - faultNanos[0]), ok, ms(now - sent), value, node.orElse("")));
                        long sleep = CLIENT_PERIOD.toMillis() - ms(now - sent);
                        if (sleep > 0) {
                            try {
                                Thread.sleep(sleep);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    }
                },
                "failover-client");
        faultNanos[0] = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        client.start();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> System.nanoTime() >= faultNanos[0]);
        long fault = System.nanoTime();
        faultNanos[0] = fault;
        long faultEpochMs = System.currentTimeMillis();
        bed.cutOff(source);
        String target = Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> bed.nodeOf(pod).orElse(source), n -> !n.equals(source));
        Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    synchronized (samples) {
                        return samples.stream()
                                .anyMatch(s -> s.ok()
                                        && s.atMs() > 0
                                        && s.value() >= 0
                                        && !s.node().equals(source));
                    }
                });
        Awaitility.await()
                .pollDelay(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(5))
                .until(() -> true);
        stop.set(true);
        client.join(5_000);

        List<Sample> all;
        synchronized (samples) {
            all = List.copyOf(samples);
        }
        long lastBefore = all.stream()
                .filter(s -> s.ok() && s.atMs() < 0)
                .mapToLong(Sample::value)
                .max()
                .orElse(-1);
        Sample firstGood = all.stream()
                .filter(s -> s.ok() && s.atMs() > 0 && s.value() >= 0)
                .filter(s -> !s.node().equals(source))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("the service never came back: " + summary(all)));
        var phases = StatusPage.timeline(bed.node(target), faultEpochMs);
        long detected = bed.nodes().stream()
                .filter(n -> !n.name().equals(source))
                .mapToLong(n -> StatusPage.suspectedAt(n, source, faultEpochMs))
                .filter(t -> t >= 0)
                .min()
                .orElse(-1);
        List<Sample> before = all.stream().filter(s -> s.atMs() < 0).toList();
        return new Result(
                source,
                target,
                detected,
                phases.getOrDefault("decided", -1L),
                phases.getOrDefault("pod_replaced", -1L),
                phases.getOrDefault("restored", -1L),
                firstGood.atMs(),
                lastBefore,
                firstGood.value(),
                app.unitMs(before),
                all);
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
