package io.crifailover.store;

import io.crifailover.oci.Digest;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * Reads a replication chunk stream: frames of a 32-byte chunk sha256, a 4-byte big-endian length and the
 * bytes. The next frame's header can be inspected before its bytes are read, so the receiver takes a chunk
 * from the stream exactly when the sender sent it and otherwise sources it locally.
 */
final class ChunkFrameReader {
    static final int HEADER = 36;
    private final InputStream in;
    private final byte[] header = new byte[HEADER];
    private boolean pending;
    private boolean ended;

    ChunkFrameReader(InputStream in) {
        this.in = in;
    }

    /** Reads the next header unless one is pending; false at a clean end of the stream. */
    boolean hasNext() throws IOException {
        if (pending) {
            return true;
        }
        if (ended) {
            return false;
        }
        int n = in.readNBytes(header, 0, HEADER);
        if (n == 0) {
            ended = true;
            return false;
        }
        if (n < HEADER) {
            throw new EOFException("chunk stream ends inside a frame header");
        }
        pending = true;
        return true;
    }

    /** True if a header is pending and names {@code digest}. */
    boolean nextIs(Digest digest) throws IOException {
        return hasNext() && digest.matches(header, 0);
    }

    Digest nextDigest() {
        byte[] raw = new byte[32];
        System.arraycopy(header, 0, raw, 0, 32);
        return Digest.fromBytes(raw);
    }

    int nextLength() {
        return ByteBuffer.wrap(header, 32, 4).getInt();
    }

    /** Reads the pending frame's bytes (exactly {@code len}) into {@code buf}. */
    void readData(byte[] buf, int off, int len) throws IOException {
        if (in.readNBytes(buf, off, len) != len) {
            throw new EOFException("chunk stream ends inside a chunk");
        }
        pending = false;
    }
}
