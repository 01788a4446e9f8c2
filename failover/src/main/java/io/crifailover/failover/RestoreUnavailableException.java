package io.crifailover.failover;

/**
 * A pending restore cannot go ahead now (its checkpoint image could not be pulled, or the wait for it was
 * interrupted). The CreateContainer must fail so that kubelet retries it, instead of cold-starting the
 * container and losing its state; the shim answers it with UNAVAILABLE.
 */
public final class RestoreUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RestoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
