package io.crifailover.shim.intercept;

import io.grpc.Metadata;
import io.grpc.Status;

/**
 * A plug-in for one typed CRI method. It may inspect or rewrite the request before it reaches the
 * runtime and observe the outcome afterwards. Anything it throws is caught: the call then goes
 * through unchanged and the failure is logged and counted.
 *
 * <p>{@link #onRequest} runs on a worker thread before the request is forwarded, so it delays
 * exactly the call it belongs to and should stay short. {@link #onResponse} and {@link #onError}
 * run on a separate observer executor after kubelet already has its answer.
 *
 * @param <Q> request message type
 * @param <R> response message type
 */
public interface CriInterceptor<Q, R> {

    /** Returns the request to forward: the given one, or a rewritten copy. */
    default Q onRequest(Q request, Metadata headers) {
        return request;
    }

    /** Sees a successful response together with the request that was forwarded. */
    default void onResponse(Q request, R response) {}

    /** Sees a failed call: the request that was forwarded (null if it could not be decoded) and its status. */
    default void onError(Q request, Status status) {}
}
