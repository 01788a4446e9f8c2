package io.crifailover.store;

/** A replicated blob was rejected (tampered chunk, wrong blob digest, protocol violation); nothing became visible. */
public final class TransferRejectedException extends Exception {
    public TransferRejectedException(String message) {
        super(message);
    }
}
