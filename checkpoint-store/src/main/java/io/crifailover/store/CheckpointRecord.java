package io.crifailover.store;

import io.crifailover.oci.Digest;

/**
 * One checkpoint of a container: its position in the container's history, the image (index or manifest
 * digest) and where it is tagged.
 */
public record CheckpointRecord(long sequence, String repository, String tag, Digest digest, long createdMillis) {
    public String reference() {
        return repository + ":" + tag;
    }
}
