package io.crifailover.shim.intercept;

import io.grpc.Status;
import java.util.Objects;

/**
 * Thrown by an interceptor's {@code onRequest} to refuse a call on purpose: kubelet gets
 * {@link #status()} and the call never reaches the runtime. The refusal is logged and counted
 * ({@code cri_shim_calls_refused_total{method,code}}). Anything else an interceptor throws is an
 * accident and the call is forwarded unchanged ("fail open").
 *
 * <p>Use it only where forwarding would do harm: a fenced node starting a protected container
 * ({@link #failedPrecondition}), a restore that cannot get its checkpoint image
 * ({@link #unavailable}, so kubelet retries).
 */
public final class CallRefusal extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Status status;

    private CallRefusal(Status status) {
        super(status.getCode() + ": " + status.getDescription(), null, false, false);
        this.status = status;
    }

    /** Refuses with {@code status}; its code must not be OK and it must say why. */
    public static CallRefusal of(Status status) {
        Objects.requireNonNull(status, "status");
        if (status.isOk()) {
            throw new IllegalArgumentException("a refusal needs an error code, not OK");
        }
        if (status.getDescription() == null || status.getDescription().isBlank()) {
            throw new IllegalArgumentException("a refusal must say why (status description)");
        }
        return new CallRefusal(status);
    }

    /** The node must not do this now (e.g. it is fenced); kubelet's retry will not help until that changes. */
    public static CallRefusal failedPrecondition(String why) {
        return of(Status.FAILED_PRECONDITION.withDescription(why));
    }

    /** Not possible right now, retry later (e.g. a checkpoint image that cannot be pulled yet). */
    public static CallRefusal unavailable(String why) {
        return of(Status.UNAVAILABLE.withDescription(why));
    }

    /** What kubelet receives. */
    public Status status() {
        return status;
    }
}
