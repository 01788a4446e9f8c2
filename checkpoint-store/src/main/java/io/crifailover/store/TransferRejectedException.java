package io.crifailover.store;

/**
 * A replicated blob was rejected (tampered chunk, wrong blob digest, protocol violation); nothing became
 * visible. A {@linkplain #conflict() conflict} only means the offer does not fit the transfer's recorded state:
 * the sender should offer again from chunk 0 (HTTP 409).
 */
public final class TransferRejectedException extends Exception {
    private final boolean conflict;

    public TransferRejectedException(String message) {
        this(message, false);
    }

    public TransferRejectedException(String message, boolean conflict) {
        super(message);
        this.conflict = conflict;
    }

    public boolean conflict() {
        return conflict;
    }
}
