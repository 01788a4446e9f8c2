package io.crifailover.shim;

import io.crifailover.shim.intercept.CallInterception;
import io.crifailover.shim.intercept.RequestDecision;
import io.crifailover.shim.metrics.CallMetrics;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One intercepted unary call. Kubelet's request is read whole; while its interceptors decide on
 * their own lane (see {@code InterceptorLanes}) no thread of this call waits. Then the runtime call
 * starts with the decided bytes, or kubelet gets the refusal without the runtime being asked.
 *
 * <p>The call has a deadline: kubelet's, or {@link ShimConfig#interceptDeadline()} from its start,
 * whichever is sooner. The interceptors may use {@link #DECIDE_SHARE} of it, the runtime call gets
 * the rest.
 */
final class InterceptedCall {

    /** Share of the call's time the interceptors may take to decide. */
    static final double DECIDE_SHARE = 0.75;

    private final ServerCall<byte[], byte[]> serverCall;
    private final Metadata headers;
    private final Channel runtime;
    private final CallInterception interception;
    private final Deadline deadline;
    private final CallMetrics.MethodMeters meters;
    private final CallMetrics metrics;
    private final MemoryTrim trim;
    private final long startNanos = System.nanoTime();

    private final Object lock = new Object();
    /** Kubelet's request (set on the transport thread before half-close). */
    private byte[] request;

    private boolean extraMessage;
    /** Guarded by {@code lock}. */
    private CompletableFuture<RequestDecision> decision;
    /** Guarded by {@code lock}; null until the decision. */
    private ClientCall<byte[], byte[]> clientCall;
    /** Guarded by {@code lock}. */
    private boolean cancelled;
    /** Guarded by {@code lock}: the call's metrics were recorded. */
    private boolean ended;

    InterceptedCall(
            ServerCall<byte[], byte[]> serverCall,
            Metadata headers,
            Channel runtime,
            CallInterception interception,
            Deadline deadline,
            CallMetrics.MethodMeters meters,
            CallMetrics metrics,
            MemoryTrim trim) {
        this.trim = trim;
        this.serverCall = serverCall;
        this.headers = headers;
        this.runtime = runtime;
        this.interception = interception;
        this.deadline = deadline;
        this.meters = meters;
        this.metrics = metrics;
    }

    ServerCall.Listener<byte[]> start() {
        serverCall.request(2);
        return new KubeletListener();
    }

    private void decided(RequestDecision outcome, Throwable error, byte[] original) {
        synchronized (lock) {
            if (cancelled) {
                return;
            }
            RequestDecision d = error == null ? outcome : RequestDecision.forward(original);
            if (d.refused()) {
                end(d.refusal().getCode());
                interception.onClose(d.refusal());
                serverCall.close(d.refusal(), new Metadata());
                return;
            }
            clientCall = runtime.newCall(serverCall.getMethodDescriptor(), CallOptions.DEFAULT.withDeadline(deadline));
            clientCall.start(new RuntimeListener(), headers);
            clientCall.request(1);
            clientCall.sendMessage(d.bytes());
            clientCall.halfClose();
        }
    }

    /** Records the call's end once; caller holds {@code lock}. */
    private void end(Status.Code code) {
        if (!ended) {
            ended = true;
            metrics.callEnded(meters, code, startNanos);
        }
    }

    /** Events of kubelet's side of the call. */
    private final class KubeletListener extends ServerCall.Listener<byte[]> {

        @Override
        public void onMessage(byte[] message) {
            trim.sawMessage(message.length);
            if (request == null) {
                request = message;
            } else {
                extraMessage = true;
            }
        }

        @Override
        public void onHalfClose() {
            byte[] original = request;
            if (original == null || extraMessage) {
                Status wrong = Status.INTERNAL.withDescription(
                        original == null
                                ? "unary call without a request message"
                                : "unary call with more than one request message");
                synchronized (lock) {
                    end(wrong.getCode());
                }
                serverCall.close(wrong, new Metadata());
                return;
            }
            request = null;
            long budget = (long) (deadline.timeRemaining(TimeUnit.NANOSECONDS) * DECIDE_SHARE);
            CompletableFuture<RequestDecision> pending = interception.onRequest(original, Math.max(0, budget));
            synchronized (lock) {
                decision = pending;
            }
            pending.whenComplete((outcome, error) -> decided(outcome, error, original));
        }

        @Override
        public void onCancel() {
            synchronized (lock) {
                cancelled = true;
                if (decision != null) {
                    decision.cancel(true);
                }
                if (clientCall != null) {
                    clientCall.cancel("the client cancelled the call", null);
                }
                end(Status.Code.CANCELLED);
            }
        }
    }

    /** Events of the runtime's side of the call. */
    private final class RuntimeListener extends ClientCall.Listener<byte[]> {

        @Override
        public void onHeaders(Metadata responseHeaders) {
            serverCall.sendHeaders(responseHeaders);
        }

        @Override
        public void onMessage(byte[] message) {
            trim.sawMessage(message.length);
            serverCall.sendMessage(message);
            interception.onResponse(message);
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            synchronized (lock) {
                end(status.getCode());
            }
            interception.onClose(status);
            if (!serverCall.isCancelled()) {
                serverCall.close(status, trailers);
            }
        }
    }
}
