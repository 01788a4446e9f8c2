package io.crifailover.shim.metrics;

import io.crifailover.shim.intercept.InterceptorFailures;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per-method call metrics of the proxy: a latency histogram per method and status code (its count
 * is the call count), calls in flight per method, interceptor failures, refusals and dropped
 * observations.
 */
public final class CallMetrics implements InterceptorFailures {

    /** Distinct method tags kept before further unknown names are folded into {@link #OTHER}. */
    private static final int MAX_METHODS = 256;

    static final String OTHER = "other";

    private final MeterRegistry registry;
    private final Map<String, MethodMeters> methods = new ConcurrentHashMap<>();

    public CallMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Marks the start of a call of {@code fullMethodName}; pass the result to {@link #callEnded}. */
    public MethodMeters callStarted(String fullMethodName) {
        MethodMeters meters = meters(fullMethodName);
        meters.inFlight.incrementAndGet();
        return meters;
    }

    /** Records a finished call that started {@code startNanos} (from {@link System#nanoTime()}). */
    public void callEnded(MethodMeters meters, Status.Code code, long startNanos) {
        meters.inFlight.decrementAndGet();
        meters.timer(code).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void interceptorFailed(String fullMethodName, Phase phase) {
        Counter.builder("cri.shim.interceptor.failures")
                .description("Interceptor exceptions; the call was forwarded unchanged")
                .tag("method", fullMethodName)
                .tag("phase", phase.name())
                .register(registry)
                .increment();
    }

    @Override
    public void observationDropped(String fullMethodName) {
        Counter.builder("cri.shim.observations.dropped")
                .description("Response observations dropped because the observer queue was full")
                .tag("method", fullMethodName)
                .register(registry)
                .increment();
    }

    @Override
    public void callRefused(String fullMethodName, Status.Code code) {
        Counter.builder("cri.shim.calls.refused")
                .description("Calls an interceptor refused on purpose, answered without the runtime")
                .tag("method", fullMethodName)
                .tag("code", code.name())
                .register(registry)
                .increment();
    }

    private MethodMeters meters(String fullMethodName) {
        MethodMeters meters = methods.get(fullMethodName);
        if (meters != null) {
            return meters;
        }
        String tag = methods.size() < MAX_METHODS ? fullMethodName : OTHER;
        return methods.computeIfAbsent(tag, name -> new MethodMeters(registry, name));
    }

    /** The meters of one method; obtained from {@link #callStarted}. */
    public static final class MethodMeters {
        private final MeterRegistry registry;
        private final String method;
        private final AtomicInteger inFlight = new AtomicInteger();
        private final Map<Status.Code, Timer> timers = new EnumMap<>(Status.Code.class);

        MethodMeters(MeterRegistry registry, String method) {
            this.registry = registry;
            this.method = method;
            Gauge.builder("cri.shim.calls.in.flight", inFlight, AtomicInteger::get)
                    .description("Calls currently being forwarded")
                    .tag("method", method)
                    .register(registry);
        }

        private Timer timer(Status.Code code) {
            synchronized (timers) {
                return timers.computeIfAbsent(
                        code,
                        c -> Timer.builder("cri.shim.calls")
                                .description("Forwarded calls by method and gRPC status code, with latency")
                                .tag("method", method)
                                .tag("code", c.name())
                                .publishPercentileHistogram()
                                .minimumExpectedValue(Duration.ofMillis(1).dividedBy(20))
                                .maximumExpectedValue(Duration.ofMinutes(2))
                                .register(registry));
            }
        }
    }
}
