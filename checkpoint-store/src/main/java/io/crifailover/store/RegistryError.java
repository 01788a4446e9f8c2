package io.crifailover.store;

/** An OCI distribution error: HTTP status plus the spec's error code, sent as {@code {"errors":[...]}}. */
public final class RegistryError extends Exception {
    private final int status;
    private final String code;

    public RegistryError(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
