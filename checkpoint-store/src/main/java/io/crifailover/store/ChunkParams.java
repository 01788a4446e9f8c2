package io.crifailover.store;

/**
 * Content-defined chunking sizes. All nodes of a cluster must use the same values, otherwise they find no
 * common chunks (transfers still work, they just do not deduplicate).
 */
public record ChunkParams(int min, int avg, int max) {
    /** 4 KiB / 16 KiB / 64 KiB: small enough that a changed 4 KiB memory page costs ~one 16 KiB chunk. */
    public static final ChunkParams DEFAULT = new ChunkParams(4 << 10, 16 << 10, 64 << 10);

    public ChunkParams {
        if (min < 64 || avg <= min || max <= avg || Integer.bitCount(avg) != 1 || max > (16 << 20)) {
            throw new IllegalArgumentException("invalid chunk sizes min=" + min + " avg=" + avg + " max=" + max
                    + " (need 64 <= min < avg < max <= 16 MiB, avg a power of two)");
        }
    }
}
