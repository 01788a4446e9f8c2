package io.crifailover.store;

import io.crifailover.oci.Digest;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Images in use by a restore in progress. While pinned, garbage collection keeps the image and everything
 * it references, even if retention already dropped it from the history.
 */
public final class RestorePins {
    private final Map<Digest, Integer> counts = new HashMap<>();

    /** A held pin; closing it releases the image. */
    public interface Pin extends AutoCloseable {
        @Override
        void close();
    }

    public Pin pin(Digest image) {
        synchronized (counts) {
            counts.merge(image, 1, Integer::sum);
        }
        return new Pin() {
            private boolean closed;

            @Override
            public void close() {
                synchronized (counts) {
                    if (!closed) {
                        closed = true;
                        counts.computeIfPresent(image, (k, v) -> v > 1 ? v - 1 : null);
                    }
                }
            }
        };
    }

    public Set<Digest> pinned() {
        synchronized (counts) {
            return Set.copyOf(counts.keySet());
        }
    }
}
