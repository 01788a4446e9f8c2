package io.crifailover.store;

import io.crifailover.oci.Digest;
import java.io.IOException;

/** Content did not hash to the digest the sender claimed; nothing of it was stored. */
public final class DigestMismatchException extends IOException {
    private final Digest expected;
    private final Digest actual;

    public DigestMismatchException(Digest expected, Digest actual) {
        super("digest mismatch: expected " + expected + " but content hashes to " + actual);
        this.expected = expected;
        this.actual = actual;
    }

    public Digest expected() {
        return expected;
    }

    public Digest actual() {
        return actual;
    }
}
