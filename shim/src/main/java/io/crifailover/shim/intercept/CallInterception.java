package io.crifailover.shim.intercept;

import io.grpc.Status;

/**
 * Per-call hooks the forwarder invokes on the raw bytes of an intercepted call. Implementations
 * never throw and never block the forwarding path for longer than the request rewrite.
 */
public interface CallInterception {

    /** Returns the bytes to forward for {@code request} (the same array when unchanged). */
    byte[] onRequest(byte[] request);

    /** Hands a response message to the observers; returns at once. */
    void onResponse(byte[] response);

    /** Hands the final status to the observers; returns at once. */
    void onClose(Status status);
}
