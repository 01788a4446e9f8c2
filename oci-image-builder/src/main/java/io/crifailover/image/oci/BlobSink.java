package io.crifailover.image.oci;

import io.crifailover.image.fs.SafeFiles;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * A blob being streamed into a layout's {@code blobs/sha256} directory: written to a 0600 temporary
 * file while its SHA-256 and size are computed; {@link #commit()} syncs it and renames it to its
 * digest, {@link #close()} without commit removes it.
 */
public final class BlobSink implements AutoCloseable {

    private final Path blobDir;
    private final Path temp;
    private final MessageDigest digest = Sha256.newDigest();
    private final CountingDigestStream out;
    private boolean closedStream;
    private boolean committed;

    BlobSink(Path blobDir) throws IOException {
        this.blobDir = blobDir;
        this.temp = SafeFiles.createPrivateTempFile(blobDir, ".blob-");
        this.out = new CountingDigestStream(new BufferedOutputStream(Files.newOutputStream(temp), 1 << 20), digest);
    }

    /** The stream to write the blob to; closing it is allowed and does not commit. */
    public OutputStream stream() {
        return out;
    }

    /** Finishes the blob: returns its digest and size and moves it to its content address. */
    public Committed commit() throws IOException {
        closeStream();
        String hexDigest = Sha256.format(digest.digest());
        Path target = blobDir.resolve(Sha256.hex(hexDigest));
        boolean existed = Files.exists(target);
        if (existed) {
            Files.delete(temp);
        } else {
            SafeFiles.fsync(temp);
            SafeFiles.atomicMove(temp, target);
        }
        committed = true;
        return new Committed(hexDigest, out.count, target, !existed);
    }

    @Override
    public void close() throws IOException {
        if (!committed) {
            try {
                closeStream();
            } finally {
                Files.deleteIfExists(temp);
            }
        }
    }

    private void closeStream() throws IOException {
        if (!closedStream) {
            closedStream = true;
            out.close();
        }
    }

    /**
     * A stored blob.
     *
     * @param digest  OCI digest
     * @param size    bytes
     * @param path    where it lives
     * @param created false when an identical blob was already present
     */
    public record Committed(String digest, long size, Path path, boolean created) {
    }

    private static final class CountingDigestStream extends FilterOutputStream {
        private final MessageDigest digest;
        private long count;

        CountingDigestStream(OutputStream out, MessageDigest digest) {
            super(out);
            this.digest = digest;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            digest.update((byte) b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            digest.update(b, off, len);
            count += len;
        }
    }
}
