package io.crifailover.testbed;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;

/**
 * One measured failover, seen by a user of the protected app: a client sends the app one request
 * every 50 ms over TCP (250 ms deadline) at the address a Service would use (the pod's IP, watched
 * in the API), the pod's node is cut off, and the run records when the other nodes began to suspect
 * it, when the restoring node saw the decision, replaced the pod and restored the container, when
 * the client got its first good answer from the new node, and how much of the app's state was lost.
 */
public final class FailoverScenario {
    static final Duration CLIENT_PERIOD = Duration.ofMillis(50);
    static final Duration CLIENT_TIMEOUT = Duration.ofMillis(250);

    /**
     * One client request: when it was sent (ms after the fault, negative before), its outcome, its
     * latency, the app's value (-1 when it failed) and the node the pod was bound to.
     */
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
            OptionalLong lastValueBefore,
            long firstValueAfter,
            long unitMs,
            List<Sample> samples) {
        /**
         * App state lost, in the app's units: the last value a client saw before the fault minus the
         * first one after. Empty when the client had no good answer before the fault (nothing to
         * compare with).
         */
        public OptionalLong lostUnits() {
            return lastValueBefore.isPresent()
                    ? OptionalLong.of(Math.max(0, lastValueBefore.getAsLong() - firstValueAfter))
                    : OptionalLong.empty();
        }

        /** App state lost, in ms of the app's work; empty when it could not be judged. */
        public OptionalLong stateLostMs() {
            OptionalLong units = lostUnits();
            return units.isPresent() ? OptionalLong.of(units.getAsLong() * unitMs) : OptionalLong.empty();
        }

        /** The run's phases under the names the benchmark and the demo's plot use (null: not judged). */
        public Map<String, Object> summary() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("source", source);
            m.put("target", target);
            m.put("detect_ms", detectedMs);
            m.put("decide_ms", decidedMs);
            m.put("pod_replaced_ms", podReplacedMs);
            m.put("restore_ms", restoredMs);
            m.put("fault_to_service_ms", firstGoodMs);
            OptionalLong lost = stateLostMs();
            m.put("state_lost_ms", lost.isPresent() ? lost.getAsLong() : null);
            return m;
        }
    }

    private FailoverScenario() {}

    /** A protected pod watched through a fault: its name, the node it runs on, and its app. */
    public record Watched(String pod, String source, TcpApps.App app) {}

    /** Runs the protected {@code app} in {@code pod} (already running on {@code source}) through a cut-off. */
    public static Result cutOff(FailoverBed bed, String pod, String source, TcpApps.App app)
            throws InterruptedException {
        return during(bed, List.of(new Watched(pod, source, app)), () -> bed.cutOff(source))
                .get(0);
    }

    /**
     * Runs {@code fault} while a client of each watched pod sends its requests (from 3 s before the
     * fault), until every one of them answers from another node than its source; one result per pod.
     */
    public static List<Result> during(FailoverBed bed, List<Watched> watched, Runnable fault)
            throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        long[] faultNanos = {Long.MAX_VALUE};
        List<List<Sample>> samples = new ArrayList<>();
        List<AutoCloseable> resources = new ArrayList<>();
        List<Thread> requests = new ArrayList<>();
        try {
            for (Watched w : watched) {
                List<Sample> own = Collections.synchronizedList(new ArrayList<>());
                samples.add(own);
                PodEndpoint endpoint = new PodEndpoint(bed.kube(), "default", w.pod());
                resources.add(endpoint);
                TcpApps.Client client = w.app().client();
                resources.add(client);
                requests.add(new Thread(
                        () -> sendRequests(endpoint, client, own, stop, faultNanos), "failover-client-" + w.pod()));
            }
            faultNanos[0] = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            requests.forEach(Thread::start);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> System.nanoTime() >= faultNanos[0]);
            faultNanos[0] = System.nanoTime();
            long faultEpochMs = System.currentTimeMillis();
            fault.run();
            for (int i = 0; i < watched.size(); i++) {
                List<Sample> own = samples.get(i);
                String source = watched.get(i).source();
                Awaitility.await("the service of " + watched.get(i).pod() + " answers from another node than " + source)
                        .atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> firstGoodAfter(own, source).isPresent());
            }
            long back = System.nanoTime();
            Awaitility.await("two more seconds of samples")
                    .atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() ->
                            System.nanoTime() - back >= Duration.ofSeconds(2).toNanos());
            stop.set(true);
            for (Thread t : requests) {
                t.join(5_000);
            }
            List<Result> results = new ArrayList<>();
            for (int i = 0; i < watched.size(); i++) {
                Watched w = watched.get(i);
                results.add(result(bed, w.source(), w.app(), samples.get(i), faultEpochMs));
            }
            return results;
        } finally {
            stop.set(true);
            for (AutoCloseable r : resources) {
                try {
                    r.close();
                } catch (Exception e) {
                    // a client that cannot close cleanly has nothing left to measure
                }
            }
        }
    }

    private static void sendRequests(
            PodEndpoint endpoint, TcpApps.Client client, List<Sample> samples, AtomicBoolean stop, long[] faultNanos) {
        long end = System.nanoTime() + Duration.ofSeconds(150).toNanos();
        while (!stop.get() && System.nanoTime() < end) {
            long sent = System.nanoTime();
            long value = -1;
            boolean ok = false;
            Optional<PodEndpoint.Address> address = endpoint.address();
            try {
                if (address.isPresent()) {
                    value = client.request(address.get().ip(), CLIENT_TIMEOUT);
                    ok = System.nanoTime() - sent <= CLIENT_TIMEOUT.toNanos();
                }
            } catch (java.io.IOException | RuntimeException e) {
                ok = false;
            }
            long now = System.nanoTime();
            samples.add(new Sample(
                    ms(sent - faultNanos[0]),
                    ok,
                    ms(now - sent),
                    ok ? value : -1,
                    address.map(PodEndpoint.Address::node).orElse("")));
            long sleep = CLIENT_PERIOD.toMillis() - ms(now - sent);
            if (sleep > 0) {
                try {
                    Thread.sleep(sleep);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private static Optional<Sample> firstGoodAfter(List<Sample> samples, String source) {
        synchronized (samples) {
            return samples.stream()
                    .filter(s -> s.ok() && s.atMs() > 0 && !s.node().equals(source))
                    .findFirst();
        }
    }

    private static Result result(
            FailoverBed bed, String source, TcpApps.App app, List<Sample> samples, long faultEpochMs) {
        List<Sample> all;
        synchronized (samples) {
            all = List.copyOf(samples);
        }
        OptionalLong lastBefore = all.stream()
                .filter(s -> s.ok() && s.atMs() < 0)
                .mapToLong(Sample::value)
                .max();
        Sample firstGood = firstGoodAfter(all, source)
                .orElseThrow(() -> new IllegalStateException("the service never came back: " + summary(all)));
        String target = firstGood.node();
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

    /** Good and failed requests before and after the fault, for messages. */
    static String summary(List<Sample> all) {
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
