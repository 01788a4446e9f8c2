package io.crifailover.image.oci;

import io.crifailover.oci.Digest;
import io.crifailover.oci.SecureFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A blob being streamed into a layout's {@code blobs/sha256} directory: written to a 0600 temporary
 * file through a few off-heap buffers, each hashed by a {@link ParallelDigest} on a second thread
 * while this thread writes it to the file; {@link #commit()} (optionally) syncs the file and renames
 * it to its digest, {@link #close()} without commit removes it. The directory itself is synced once
 * by the layout, before an index refers to the blob.
 */
public final class BlobSink implements AutoCloseable {

    /** Chunks small enough to be hashed while still in the CPU cache (measured: 256 KiB x 8 ~ 1 MiB x 3). */
    private static final int BUFFER = 256 * 1024;

    private static final int BUFFERS = 8;

    private final Path blobDir;
    private final Path temp;
    private final boolean durable;
    private final FileChannel channel;
    private final ParallelDigest digest;
    private final OutputStream out = new SinkStream();
    private ByteBuffer buffer;
    private long count;
    private boolean closed;
    private boolean committed;

    BlobSink(Path blobDir, boolean durable) throws IOException {
        this.blobDir = blobDir;
        this.durable = durable;
        this.temp = SecureFiles.createPrivateTempFile(blobDir, ".blob-");
        FileChannel opened = null;
        ParallelDigest started = null;
        try {
            opened = FileChannel.open(temp, StandardOpenOption.WRITE);
            started = new ParallelDigest(temp.getFileName().toString(), BUFFERS, BUFFER);
            this.buffer = started.take();
        } catch (IOException | RuntimeException e) {
            if (started != null) {
                started.close();
            }
            if (opened != null) {
                opened.close();
            }
            Files.deleteIfExists(temp);
            throw e;
        }
        this.channel = opened;
        this.digest = started;
    }

    /** Stores {@code bytes} (a small JSON document) as a blob; hashed on the calling thread. */
    static Committed write(Path blobDir, byte[] bytes, boolean durable) throws IOException {
        Digest digest = Digest.of(bytes);
        Path target = blobDir.resolve(digest.hex());
        if (Files.exists(target)) {
            return new Committed(digest, bytes.length, target, false);
        }
        if (durable) {
            SecureFiles.writeSynced(target, bytes);
        } else {
            SecureFiles.replaceUnsynced(target, bytes);
        }
        return new Committed(digest, bytes.length, target, true);
    }

    /** The stream to write the blob to; closing it is allowed and does not commit. */
    public OutputStream stream() {
        return out;
    }

    /** Finishes the blob: returns its digest and size and moves it to its content address. */
    public Committed commit() throws IOException {
        if (closed) {
            throw new IOException("blob " + temp + " already closed");
        }
        flushBuffer(false);
        Digest blobDigest = Digest.fromBytes(digest.finish());
        if (durable) {
            channel.force(true);
        }
        closeQuietly();
        Path target = blobDir.resolve(blobDigest.hex());
        boolean existed = Files.exists(target);
        if (existed) {
            Files.delete(temp);
        } else {
            SecureFiles.rename(temp, target);
        }
        committed = true;
        return new Committed(blobDigest, count, target, !existed);
    }

    @Override
    public void close() throws IOException {
        if (!committed) {
            try {
                closeQuietly();
            } finally {
                Files.deleteIfExists(temp);
            }
        }
    }

    private void closeQuietly() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            digest.close();
        } finally {
            channel.close();
        }
    }

    /** Hashes (on the digest thread) and writes (here) the filled buffer; then switches to a free one. */
    private void flushBuffer(boolean more) throws IOException {
        buffer.flip();
        if (buffer.hasRemaining()) {
            ByteBuffer out = buffer.duplicate();
            digest.submit(buffer);
            while (out.hasRemaining()) {
                channel.write(out);
            }
            buffer = more ? digest.take() : null;
        }
    }

    /**
     * A stored blob.
     *
     * @param digest  content digest
     * @param size    bytes
     * @param path    where it lives
     * @param created false when an identical blob was already present
     */
    public record Committed(Digest digest, long size, Path path, boolean created) {}

    private final class SinkStream extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (closed) {
                throw new ClosedChannelException();
            }
            while (len > 0) {
                int n = Math.min(len, buffer.remaining());
                buffer.put(b, off, n);
                off += n;
                len -= n;
                count += n;
                if (!buffer.hasRemaining()) {
                    flushBuffer(true);
                }
            }
        }

        @Override
        public void close() {
            // the sink owns the file; commit() or close() on the sink finishes it
        }
    }
}
