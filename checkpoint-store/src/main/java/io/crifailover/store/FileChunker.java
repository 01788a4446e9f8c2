package io.crifailover.store;

import io.crifailover.oci.Digest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;

/**
 * Cuts a file into content-defined chunks in one sequential read and hashes each chunk as it is cut, so every
 * byte is read once and hashed once. The consumer sees each chunk's bytes while they are still in the read
 * window (valid only during the callback).
 */
final class FileChunker {
    /** Receives chunks in file order. */
    interface Sink {
        void chunk(ChunkRef chunk, byte[] buf, int off) throws IOException;
    }

    private final ChunkParams params;
    private final GearChunker chunker;

    FileChunker(ChunkParams params) {
        this.params = params;
        this.chunker = new GearChunker(params);
    }

    /** Chunks the whole file; returns its size. */
    long run(Path file, Sink sink) throws IOException {
        MessageDigest md = Digest.newSha256();
        byte[] raw = new byte[32];
        byte[] buf = new byte[Math.max(8 << 20, params.max() * 4)];
        long total = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            int filled = 0;
            boolean eof = false;
            while (true) {
                while (!eof && filled < buf.length) {
                    int n = ch.read(ByteBuffer.wrap(buf, filled, buf.length - filled));
                    if (n < 0) {
                        eof = true;
                    } else {
                        filled += n;
                    }
                }
                int pos = 0;
                while (filled - pos >= params.max() || (eof && pos < filled)) {
                    int len = chunker.cut(buf, pos, filled - pos);
                    md.update(buf, pos, len);
                    try {
                        md.digest(raw, 0, raw.length);
                    } catch (java.security.DigestException e) {
                        throw new IllegalStateException(e);
                    }
                    sink.chunk(new ChunkRef(Digest.fromBytes(raw), len), buf, pos);
                    pos += len;
                    total += len;
                }
                if (eof && pos >= filled) {
                    return total;
                }
                System.arraycopy(buf, pos, buf, 0, filled - pos);
                filled -= pos;
            }
        }
    }
}
