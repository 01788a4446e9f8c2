package io.crifailover.shim.intercept;

import io.grpc.Metadata;
import io.grpc.Status;

/**
 * A plug-in for one typed CRI method. It may inspect or rewrite the request before it reaches the
 * runtime, refuse the call on purpose ({@link CallRefusal}), and observe the outcome afterwards.
 * Anything else it throws is caught: the call then goes through unchanged and the failure is
 * logged and counted.
 *
 * <p>{@link #onRequest} runs on an interceptor thread before the request is forwarded, so it delays
 * exactly the call it belongs to. By default it runs on the <em>quick lane</em>, a small pool shared
 * by all intercepted calls, and must not wait for anything. A request that may have to wait (a
 * restore waiting for its checkpoint image) must say so in {@link #mayWait}: its {@code onRequest}
 * then runs on the <em>waiting lane</em>, threads of its own, so it never holds a thread that other
 * calls need. Either way it is interrupted when its time budget runs out (see the shim README).
 * {@link #onResponse} and {@link #onError} run on a separate observer executor after kubelet already
 * has its answer.
 *
 * @param <Q> request message type
 * @param <R> response message type
 */
public interface CriInterceptor<Q, R> {

    /**
     * Returns the request to forward: the given one, or a rewritten copy.
     *
     * @throws CallRefusal to answer kubelet with the refusal's status instead of forwarding
     */
    default Q onRequest(Q request, Metadata headers) {
        return request;
    }

    /**
     * Whether {@link #onRequest} may wait for {@code request} (it then runs on the waiting lane).
     * Runs on the quick lane and must answer at once, from the request alone.
     */
    default boolean mayWait(Q request, Metadata headers) {
        return false;
    }

    /** Sees a successful response together with the request that was forwarded. */
    default void onResponse(Q request, R response) {}

    /** Sees a failed call: the request that was forwarded (null if it could not be decoded) and its status. */
    default void onError(Q request, Status status) {}
}
