package io.crifailover.store;

import io.crifailover.oci.Digest;

/** Outcome of replicating one image to one peer. */
public record ReplicationReport(Digest image, int blobs, long logicalBytes, long wireBytes, long nanos) {
    public double dedupRatio() {
        return wireBytes == 0 ? Double.NaN : (double) logicalBytes / wireBytes;
    }
}
