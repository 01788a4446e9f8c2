package io.crifailover.store;

import java.util.SplittableRandom;

/**
 * Content-defined chunk boundaries with a gear rolling hash (FastCDC-style): {@code h = (h << 1) + G[byte]},
 * a cut where the top bits of {@code h} are zero. Before the average size a stricter mask (2 more bits) is
 * used, after it a looser one (normalised chunking), which narrows the size distribution around the average.
 * The hash only depends on the last 64 bytes, so an insertion shifts boundaries only locally.
 */
public final class GearChunker {
    private static final long[] GEAR = new long[256];

    static {
        SplittableRandom rnd = new SplittableRandom(0x6372692d66616c6cL);
        for (int i = 0; i < GEAR.length; i++) {
            GEAR[i] = rnd.nextLong();
        }
    }

    private final ChunkParams params;
    private final long maskStrict;
    private final long maskLoose;

    public GearChunker(ChunkParams params) {
        this.params = params;
        int bits = Integer.numberOfTrailingZeros(params.avg());
        this.maskStrict = topBits(bits + 2);
        this.maskLoose = topBits(bits - 2);
    }

    private static long topBits(int n) {
        return n <= 0 ? 0 : -1L << (64 - n);
    }

    public ChunkParams params() {
        return params;
    }

    /**
     * Length of the next chunk starting at {@code off}, given {@code len} available bytes. If fewer than
     * {@code max} bytes are available and no cut point is found, returns {@code len}: callers must only pass a
     * short window at the end of the data.
     */
    public int cut(byte[] buf, int off, int len) {
        if (len <= params.min()) {
            return len;
        }
        int n = Math.min(len, params.max());
        int normal = Math.min(params.avg(), n);
        long h = 0;
        int i = params.min();
        for (; i < normal; i++) {
            h = (h << 1) + GEAR[buf[off + i] & 0xff];
            if ((h & maskStrict) == 0) {
                return i + 1;
            }
        }
        for (; i < n; i++) {
            h = (h << 1) + GEAR[buf[off + i] & 0xff];
            if ((h & maskLoose) == 0) {
                return i + 1;
            }
        }
        return n;
    }
}
