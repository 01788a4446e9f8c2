package io.crifailover.image.archive;

import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Sits between the (possibly decompressing) source and the tar parser: counts the bytes the parser
 * consumed and turns read failures of the source into {@link InvalidArchiveException}s naming the
 * entry being read.
 */
final class GuardedSourceStream extends FilterInputStream {

    private final boolean compressed;
    private long count;
    private String currentEntry;

    GuardedSourceStream(InputStream in, boolean compressed) {
        super(in);
        this.compressed = compressed;
    }

    long count() {
        return count;
    }

    void currentEntry(String name) {
        this.currentEntry = name;
    }

    @Override
    public int read() throws IOException {
        try {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        } catch (IOException e) {
            throw translate(e);
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        try {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        } catch (IOException e) {
            throw translate(e);
        }
    }

    /** Skips by reading, so that every byte passes digesting streams further down. */
    @Override
    public long skip(long n) throws IOException {
        if (n <= 0) {
            return 0;
        }
        byte[] discard = new byte[(int) Math.min(n, 64 * 1024)];
        long skipped = 0;
        while (skipped < n) {
            int r = read(discard, 0, (int) Math.min(discard.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    private IOException translate(IOException e) {
        if (e instanceof InvalidArchiveException) {
            return e;
        }
        String where = compressed ? "gzip stream" : "archive";
        if (e instanceof EOFException) {
            return new InvalidArchiveException(currentEntry, ArchiveRule.TRUNCATED, "the " + where + " ends early", e);
        }
        return new InvalidArchiveException(
                currentEntry, ArchiveRule.CORRUPT, "the " + where + " is damaged: " + e.getMessage(), e);
    }
}
