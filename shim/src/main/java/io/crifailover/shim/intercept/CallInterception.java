package io.crifailover.shim.intercept;

import io.grpc.Status;
import java.util.concurrent.CompletableFuture;

/**
 * Per-call hooks the forwarder invokes on the raw bytes of an intercepted call. None of them
 * blocks the caller: the request decision completes later on an interceptor thread.
 */
public interface CallInterception {

    /**
     * Decides what to forward for {@code request} (the same array when unchanged) or whether to
     * refuse the call. The decision completes within {@code budgetNanos}: an interceptor still
     * busy by then is interrupted (see {@link InterceptorRegistry}). Cancelling the returned
     * future (kubelet cancelled) interrupts the interceptor too.
     */
    CompletableFuture<RequestDecision> onRequest(byte[] request, long budgetNanos);

    /** Hands a response message to the observers; returns at once. */
    void onResponse(byte[] response);

    /** Hands the final status to the observers; returns at once. */
    void onClose(Status status);
}
