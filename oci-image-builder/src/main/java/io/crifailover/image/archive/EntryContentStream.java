package io.crifailover.image.archive;

import java.io.IOException;
import java.io.InputStream;

/**
 * The content of one tar entry as handed to an {@link ArchiveEntryHandler}: cannot be closed, and
 * reports a short entry as {@link ArchiveRule#TRUNCATED} naming the entry.
 */
final class EntryContentStream extends InputStream {

    private final InputStream tar;
    private final String entry;
    private long remaining;

    EntryContentStream(InputStream tar, String entry, long size) {
        this.tar = tar;
        this.entry = entry;
        this.remaining = size;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (remaining <= 0) {
            return -1;
        }
        int n;
        try {
            n = tar.read(b, off, (int) Math.min(len, remaining));
        } catch (InvalidArchiveException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidArchiveException(
                    entry, ArchiveRule.TRUNCATED, remaining + " bytes of content missing (" + e.getMessage() + ")", e);
        }
        if (n < 0) {
            throw new InvalidArchiveException(entry, ArchiveRule.TRUNCATED, remaining + " bytes of content missing");
        }
        remaining -= n;
        return n;
    }

    @Override
    public int available() {
        return 0;
    }

    /** Reads and discards whatever the handler left unread. */
    void drain() throws IOException {
        byte[] buffer = new byte[64 * 1024];
        while (read(buffer, 0, buffer.length) >= 0) {
            // discard
        }
    }

    @Override
    public void close() {
        // the archive stream stays open; the reader drains the rest of the entry
    }
}
