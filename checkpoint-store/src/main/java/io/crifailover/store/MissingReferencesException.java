package io.crifailover.store;

import io.crifailover.oci.Digest;
import java.util.List;

/** A manifest referenced blobs or manifests the store does not hold; the manifest was not stored. */
public final class MissingReferencesException extends Exception {
    private final List<Digest> missing;

    public MissingReferencesException(List<Digest> missing) {
        super("manifest references content the store does not have: " + missing);
        this.missing = List.copyOf(missing);
    }

    public List<Digest> missing() {
        return missing;
    }
}
