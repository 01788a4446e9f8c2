package io.crifailover.store;

import io.crifailover.oci.Digest;
import io.crifailover.oci.SecureFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Blob uploads in progress ({@code uploads/<uuid>}, 0600). Data is appended by PATCH and turned into a blob
 * at PUT time, after the digest check. An upload is never visible as a blob before that.
 */
final class UploadSessions {
    private static final Pattern ID = Pattern.compile("[0-9a-f-]{36}");
    private final Path dir;
    private final BlobStore blobs;

    UploadSessions(Path storeRoot, BlobStore blobs) throws IOException {
        this.dir = SecureFiles.ensurePrivateDirectory(storeRoot.resolve("uploads"));
        this.blobs = blobs;
    }

    String start() throws IOException {
        String id = UUID.randomUUID().toString();
        SecureFiles.createPrivateFile(dir.resolve(id)).close();
        return id;
    }

    private Path file(String id) throws RegistryError {
        if (!ID.matcher(id).matches() || !Files.exists(dir.resolve(id))) {
            throw new RegistryError(404, "BLOB_UPLOAD_UNKNOWN", "unknown upload " + id);
        }
        return dir.resolve(id);
    }

    long size(String id) throws IOException, RegistryError {
        return Files.size(file(id));
    }

    /** Appends data; {@code expectedStart} (from Content-Range) must equal the current size if given. */
    long append(String id, InputStream in, long expectedStart) throws IOException, RegistryError {
        Path f = file(id);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            if (expectedStart >= 0 && expectedStart != ch.size()) {
                throw new RegistryError(
                        416,
                        "BLOB_UPLOAD_INVALID",
                        "chunk starts at " + expectedStart + " but upload has " + ch.size() + " bytes");
            }
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) {
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                while (bb.hasRemaining()) {
                    ch.write(bb);
                }
            }
            return ch.size();
        }
    }

    /** Verifies the upload against {@code digest} and publishes it as a blob; the session ends either way. */
    Digest complete(String id, Digest digest) throws IOException, RegistryError {
        Path f = file(id);
        Path tmp = blobs.newTempPath("upload");
        Files.move(f, tmp);
        try {
            return blobs.ingestFile(tmp, digest);
        } catch (DigestMismatchException e) {
            throw new RegistryError(400, "DIGEST_INVALID", e.getMessage());
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    void cancel(String id) throws IOException, RegistryError {
        Files.deleteIfExists(file(id));
    }
}
