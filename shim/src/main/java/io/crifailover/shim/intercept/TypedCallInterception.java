package io.crifailover.shim.intercept;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes one intercepted call and runs its interceptors on the quick or the waiting lane, within
 * the call's budget. Falls back to the raw bytes on any accidental failure; a {@link CallRefusal}
 * or a waiting interceptor that overruns its budget refuses the call.
 */
final class TypedCallInterception<Q, R> implements CallInterception {

    private static final Logger LOG = LoggerFactory.getLogger(TypedCallInterception.class);

    private final MethodDescriptor<Q, R> method;
    private final List<CriInterceptor<Q, R>> interceptors;
    private final Metadata headers;
    private final InterceptorLanes lanes;
    private final Executor observerExecutor;
    private final InterceptorFailures failures;
    private volatile Q forwardedRequest;
    /** The interceptor task now deciding this call (quick, then possibly waiting lane). */
    private volatile Future<?> running;
    /** Whether the request went to the waiting lane. */
    private volatile boolean waiting;

    TypedCallInterception(
            MethodDescriptor<Q, R> method,
            List<CriInterceptor<Q, R>> interceptors,
            Metadata headers,
            InterceptorLanes lanes,
            Executor observerExecutor,
            InterceptorFailures failures) {
        this.method = method;
        this.interceptors = interceptors;
        this.headers = headers;
        this.lanes = lanes;
        this.observerExecutor = observerExecutor;
        this.failures = failures;
    }

    @Override
    public CompletableFuture<RequestDecision> onRequest(byte[] raw, long budgetNanos) {
        CompletableFuture<RequestDecision> decision = new CompletableFuture<>();
        try {
            running = lanes.quick().submit(() -> decide(raw, decision));
        } catch (RejectedExecutionException e) {
            fail(InterceptorFailures.Phase.REQUEST, "queueing the request (interceptor queue full)", e);
            decision.complete(RequestDecision.forward(raw));
            return decision;
        }
        ScheduledFuture<?> deadline =
                lanes.timer().schedule(() -> overran(raw, decision, budgetNanos), budgetNanos, TimeUnit.NANOSECONDS);
        decision.whenComplete((d, e) -> {
            deadline.cancel(false);
            if (decision.isCancelled()) {
                stopRunning();
            }
        });
        return decision;
    }

    /** On the quick lane: decode, then decide here or hand over to the waiting lane. */
    private void decide(byte[] raw, CompletableFuture<RequestDecision> decision) {
        Q original;
        try {
            original = method.parseRequest(new ByteArrayInputStream(raw));
        } catch (RuntimeException e) {
            fail(InterceptorFailures.Phase.REQUEST, "decoding the request", e);
            decision.complete(RequestDecision.forward(raw));
            return;
        }
        forwardedRequest = original;
        boolean mayWait = false;
        try {
            for (CriInterceptor<Q, R> interceptor : interceptors) {
                mayWait |= interceptor.mayWait(original, headers);
            }
        } catch (Exception | Error e) {
            fail(InterceptorFailures.Phase.REQUEST, "asking whether the request may wait", e);
            decision.complete(RequestDecision.forward(raw));
            return;
        }
        if (!mayWait) {
            runInterceptors(raw, original, decision);
            return;
        }
        waiting = true;
        try {
            running = lanes.waiting().submit(() -> runInterceptors(raw, original, decision));
        } catch (RejectedExecutionException e) {
            refuse(
                    decision,
                    Status.UNAVAILABLE.withDescription("cri-failover: " + InterceptorLanes.WAITING_THREADS
                            + " calls are already waiting in the shim; retry later"));
        }
    }

    private void runInterceptors(byte[] raw, Q original, CompletableFuture<RequestDecision> decision) {
        if (decision.isDone()) {
            return;
        }
        Q current = original;
        try {
            for (CriInterceptor<Q, R> interceptor : interceptors) {
                current = interceptor.onRequest(current, headers);
                if (current == null) {
                    throw new IllegalStateException(interceptor.getClass().getName() + " returned a null request");
                }
            }
            if (current == original) {
                decision.complete(RequestDecision.forward(raw));
                return;
            }
            byte[] rewritten = toBytes(method.streamRequest(current));
            forwardedRequest = current;
            decision.complete(RequestDecision.forward(rewritten));
        } catch (CallRefusal refusal) {
            refuse(decision, refusal.status());
        } catch (Exception | Error e) {
            if (!decision.isDone()) {
                fail(InterceptorFailures.Phase.REQUEST, "rewriting the request", e);
                decision.complete(RequestDecision.forward(raw));
            }
        }
    }

    /**
     * The budget ran out: a waiting interceptor did not get what it waited for, so the call is refused
     * (UNAVAILABLE, kubelet retries); a quick one is stuck by accident, so the call goes through unchanged.
     */
    private void overran(byte[] raw, CompletableFuture<RequestDecision> decision, long budgetNanos) {
        long ms = TimeUnit.NANOSECONDS.toMillis(budgetNanos);
        if (waiting) {
            refuse(
                    decision,
                    Status.UNAVAILABLE.withDescription(
                            "cri-failover: " + method.getBareMethodName() + " waited " + ms + " ms in the shim "
                                    + "without getting what it needs (e.g. its checkpoint image); retry later"));
        } else if (decision.complete(RequestDecision.forward(raw))) {
            failures.interceptorFailed(method.getFullMethodName(), InterceptorFailures.Phase.REQUEST);
            LOG.warn(
                    "interceptor of {} still busy after {} ms; the call is forwarded unchanged",
                    method.getFullMethodName(),
                    ms);
        }
        stopRunning();
    }

    private void stopRunning() {
        Future<?> task = running;
        if (task != null) {
            task.cancel(true);
        }
    }

    private void refuse(CompletableFuture<RequestDecision> decision, Status status) {
        if (decision.complete(RequestDecision.refuse(status))) {
            failures.callRefused(method.getFullMethodName(), status.getCode());
            LOG.warn(
                    "refused {} on purpose: {} {}",
                    method.getFullMethodName(),
                    status.getCode(),
                    status.getDescription());
        }
    }

    @Override
    public void onResponse(byte[] raw) {
        observe(
                () -> {
                    R response = method.parseResponse(new ByteArrayInputStream(raw));
                    Q request = forwardedRequest;
                    for (CriInterceptor<Q, R> interceptor : interceptors) {
                        try {
                            interceptor.onResponse(request, response);
                        } catch (Exception | Error e) {
                            fail(InterceptorFailures.Phase.RESPONSE, "observing the response", e);
                        }
                    }
                },
                InterceptorFailures.Phase.RESPONSE);
    }

    @Override
    public void onClose(Status status) {
        if (status.isOk()) {
            return;
        }
        observe(
                () -> {
                    Q request = forwardedRequest;
                    for (CriInterceptor<Q, R> interceptor : interceptors) {
                        try {
                            interceptor.onError(request, status);
                        } catch (Exception | Error e) {
                            fail(InterceptorFailures.Phase.ERROR, "observing the error", e);
                        }
                    }
                },
                InterceptorFailures.Phase.ERROR);
    }

    private void observe(Runnable observation, InterceptorFailures.Phase phase) {
        Runnable guarded = () -> {
            try {
                observation.run();
            } catch (Exception | Error e) {
                fail(phase, "decoding for observers", e);
            }
        };
        try {
            observerExecutor.execute(guarded);
        } catch (RejectedExecutionException e) {
            failures.observationDropped(method.getFullMethodName());
            LOG.warn("observer queue full, dropped a {} observation of {}", phase, method.getFullMethodName());
        }
    }

    private void fail(InterceptorFailures.Phase phase, String what, Throwable e) {
        failures.interceptorFailed(method.getFullMethodName(), phase);
        LOG.warn(
                "interceptor failed while {} of {}; the call is forwarded unchanged",
                what,
                method.getFullMethodName(),
                e);
    }

    private static byte[] toBytes(InputStream stream) {
        try (stream) {
            return stream.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
