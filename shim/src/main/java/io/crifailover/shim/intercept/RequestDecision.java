package io.crifailover.shim.intercept;

import io.grpc.Status;
import java.util.Objects;

/**
 * What becomes of an intercepted request: forward {@code bytes} to the runtime, or answer kubelet
 * with {@code refusal} without asking the runtime. Exactly one of the two is set.
 */
public record RequestDecision(byte[] bytes, Status refusal) {

    public RequestDecision {
        if ((bytes == null) == (refusal == null)) {
            throw new IllegalArgumentException("either bytes to forward or a refusal");
        }
    }

    public static RequestDecision forward(byte[] bytes) {
        return new RequestDecision(Objects.requireNonNull(bytes, "bytes"), null);
    }

    public static RequestDecision refuse(Status status) {
        return new RequestDecision(null, Objects.requireNonNull(status, "status"));
    }

    public boolean refused() {
        return refusal != null;
    }
}
