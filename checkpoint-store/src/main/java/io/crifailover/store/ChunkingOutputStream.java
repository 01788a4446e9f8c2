package io.crifailover.store;

import io.crifailover.oci.Digest;
import java.io.OutputStream;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts the bytes written to it into the same content-defined chunks {@link ChunkRecipe#compute} finds in a file,
 * hashing each chunk as it is cut, so a blob can be chunked while it is read for another purpose instead of being
 * read again. {@link #recipe} gives the recipe once everything was written.
 */
public final class ChunkingOutputStream extends OutputStream {
    private final ChunkParams params;
    private final GearChunker chunker;
    private final MessageDigest sha256 = Digest.newSha256();
    private final byte[] raw = new byte[32];
    private final byte[] buf;
    private final List<ChunkRef> chunks = new ArrayList<>();
    private int filled;
    private long total;
    private boolean finished;

    public ChunkingOutputStream(ChunkParams params) {
        this.params = params;
        this.chunker = new GearChunker(params);
        this.buf = new byte[Math.max(1 << 20, params.max() * 4)];
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        if (finished) {
            throw new IllegalStateException("recipe already taken");
        }
        while (len > 0) {
            int n = Math.min(len, buf.length - filled);
            System.arraycopy(b, off, buf, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == buf.length) {
                cut(false);
            }
        }
    }

    /** The recipe of everything written, as the blob {@code blob} (whose digest the caller computed). */
    public ChunkRecipe recipe(Digest blob) {
        if (!finished) {
            cut(true);
            finished = true;
        }
        return new ChunkRecipe(blob, total, params, List.copyOf(chunks));
    }

    /** Bytes written so far. */
    public long count() {
        return total + filled;
    }

    private void cut(boolean eof) {
        int pos = 0;
        while (filled - pos >= params.max() || (eof && pos < filled)) {
            int len = chunker.cut(buf, pos, filled - pos);
            sha256.update(buf, pos, len);
            try {
                sha256.digest(raw, 0, raw.length);
            } catch (DigestException e) {
                throw new IllegalStateException(e);
            }
            chunks.add(new ChunkRef(Digest.fromBytes(raw), len));
            pos += len;
            total += len;
        }
        System.arraycopy(buf, pos, buf, 0, filled - pos);
        filled -= pos;
    }
}
