package io.crifailover.store;

import io.crifailover.oci.Digest;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How a blob splits into content-defined chunks: the ordered chunk list, the chunking parameters and the
 * blob digest. Binary form (also the wire form of an offer):
 * {@code "CRCP" u8 version, i32 min, i32 avg, i32 max, 32B blob digest, i64 size, i32 count, count x (32B digest, i32 size)}.
 * An offer may also carry one segment of a recipe (a run of consecutive chunks); {@code size} is then still
 * the whole blob's size.
 */
public record ChunkRecipe(Digest blob, long size, ChunkParams params, List<ChunkRef> chunks) {
    private static final int MAGIC = 0x43524350;
    private static final int VERSION = 1;
    /** Upper bound on chunks accepted from a peer (a 64 GiB blob at 4 KiB minimum chunks). */
    public static final int MAX_CHUNKS = 16 << 20;

    /** Chunks a file and hashes each chunk and the whole blob in one sequential read. */
    public static ChunkRecipe compute(Path file, ChunkParams params) throws IOException {
        MessageDigest whole = Digest.newSha256();
        List<ChunkRef> chunks = new ArrayList<>();
        long total = new FileChunker(params).run(file, (c, buf, off) -> {
            whole.update(buf, off, c.size());
            chunks.add(c);
        });
        return new ChunkRecipe(Digest.fromBytes(whole.digest()), total, params, List.copyOf(chunks));
    }

    /**
     * Checks a segment of a recipe received from a peer: chunk sizes within the chunking limits and the chunks
     * of the segment, placed after {@code precedingBytes} bytes, not beyond the blob size.
     */
    public void validateSegment(Digest expectedBlob, long precedingBytes) {
        if (!blob.equals(expectedBlob)) {
            throw new IllegalArgumentException("recipe is for " + blob + ", not " + expectedBlob);
        }
        long sum = precedingBytes;
        for (ChunkRef c : chunks) {
            if (c.size() <= 0 || c.size() > params.max()) {
                throw new IllegalArgumentException("chunk " + c.digest() + " has invalid size " + c.size());
            }
            sum += c.size();
        }
        if (sum > size) {
            throw new IllegalArgumentException("chunk sizes add up to " + sum + " but blob size is " + size);
        }
    }

    /** Total bytes of the listed chunks. */
    public long chunkBytes() {
        long sum = 0;
        for (ChunkRef c : chunks) {
            sum += c.size();
        }
        return sum;
    }

    /** Checks internal consistency of a recipe received from a peer; throws with a message naming the problem. */
    public void validate(Digest expectedBlob) {
        if (!blob.equals(expectedBlob)) {
            throw new IllegalArgumentException("recipe is for " + blob + ", not " + expectedBlob);
        }
        long sum = 0;
        for (ChunkRef c : chunks) {
            if (c.size() <= 0 || c.size() > params.max()) {
                throw new IllegalArgumentException("chunk " + c.digest() + " has invalid size " + c.size());
            }
            sum += c.size();
        }
        if (sum != size) {
            throw new IllegalArgumentException("chunk sizes add up to " + sum + " but blob size is " + size);
        }
    }

    public byte[] encode() {
        ByteArrayOutputStream bos = new ByteArrayOutputStream(64 + chunks.size() * 36);
        try (DataOutputStream out = new DataOutputStream(bos)) {
            out.writeInt(MAGIC);
            out.writeByte(VERSION);
            out.writeInt(params.min());
            out.writeInt(params.avg());
            out.writeInt(params.max());
            out.write(blob.bytes());
            out.writeLong(size);
            out.writeInt(chunks.size());
            for (ChunkRef c : chunks) {
                out.write(c.digest().bytes());
                out.writeInt(c.size());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    public static ChunkRecipe decode(byte[] data) throws IOException {
        return decode(new java.io.ByteArrayInputStream(data));
    }

    public static ChunkRecipe decode(InputStream raw) throws IOException {
        DataInputStream in = new DataInputStream(raw);
        try {
            if (in.readInt() != MAGIC) {
                throw new IOException("not a chunk recipe (bad magic)");
            }
            int version = in.readUnsignedByte();
            if (version != VERSION) {
                throw new IOException("unsupported chunk recipe version " + version);
            }
            ChunkParams params;
            try {
                params = new ChunkParams(in.readInt(), in.readInt(), in.readInt());
            } catch (IllegalArgumentException e) {
                throw new IOException("chunk recipe: " + e.getMessage(), e);
            }
            Digest blob = Digest.fromBytes(in.readNBytes(32));
            long size = in.readLong();
            int count = in.readInt();
            if (count < 0 || count > MAX_CHUNKS || size < 0) {
                throw new IOException("chunk recipe: implausible chunk count " + count + " / size " + size);
            }
            List<ChunkRef> chunks = new ArrayList<>(count);
            byte[] d = new byte[32];
            for (int i = 0; i < count; i++) {
                in.readFully(d);
                chunks.add(new ChunkRef(Digest.fromBytes(Arrays.copyOf(d, 32)), in.readInt()));
            }
            return new ChunkRecipe(blob, size, params, List.copyOf(chunks));
        } catch (java.io.EOFException | IllegalArgumentException e) {
            throw new IOException("chunk recipe truncated or malformed: " + e.getMessage(), e);
        }
    }
}
