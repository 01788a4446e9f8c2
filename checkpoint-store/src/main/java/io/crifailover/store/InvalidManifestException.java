package io.crifailover.store;

/** A manifest could not be parsed or violates the store's rules; the message names what was wrong. */
public final class InvalidManifestException extends Exception {
    public InvalidManifestException(String message) {
        super(message);
    }
}
