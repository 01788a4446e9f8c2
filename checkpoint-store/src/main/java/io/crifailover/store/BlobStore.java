package io.crifailover.store;

import io.crifailover.oci.Digest;
import io.crifailover.oci.SecureFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.Lock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Content-addressed blob files under {@code <root>/blobs/sha256/<hex>}.
 * A blob becomes visible only after it was written to {@code <root>/tmp}, fsynced, its digest verified, and
 * atomically renamed; leftovers in {@code tmp} from a crash are removed on open.
 */
public final class BlobStore {
    private static final Logger log = LoggerFactory.getLogger(BlobStore.class);
    private static final int BUF = 1 << 20;

    private final Path blobDir;
    private final Path tmpDir;
    private final Lock publishLock;

    BlobStore(Path root, Lock publishLock) throws IOException {
        this.blobDir = SecureFiles.ensurePrivateDirectory(root.resolve("blobs").resolve("sha256"));
        this.tmpDir = SecureFiles.ensurePrivateDirectory(root.resolve("tmp"));
        this.publishLock = publishLock;
        removeCrashLeftovers();
    }

    private void removeCrashLeftovers() throws IOException {
        try (Stream<Path> s = Files.list(tmpDir)) {
            for (Path p : s.toList()) {
                log.info("removing incomplete temp file from an earlier run: {}", p.getFileName());
                SecureFiles.deleteRecursively(p);
            }
        }
    }

    public Path tmpDir() {
        return tmpDir;
    }

    /** A fresh private temp file path (not yet created) in the store's temp area. */
    public Path newTempPath(String kind) {
        return tmpDir.resolve(kind + "-" + UUID.randomUUID());
    }

    public boolean exists(Digest d) {
        return Files.isRegularFile(path(d));
    }

    public Optional<Long> size(Digest d) {
        try {
            return Optional.of(Files.size(path(d)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public Path path(Digest d) {
        return blobDir.resolve(d.hex());
    }

    public byte[] read(Digest d) throws IOException {
        return Files.readAllBytes(path(d));
    }

    public InputStream open(Digest d) throws IOException {
        return Files.newInputStream(path(d));
    }

    /** Stores bytes; fails if {@code expected} is given and does not match. */
    public Digest put(byte[] data, Digest expected) throws IOException {
        return ingest(new java.io.ByteArrayInputStream(data), expected);
    }

    /** Streams data into a temp file while hashing, verifies {@code expected} (if non-null), then publishes. */
    public Digest ingest(InputStream in, Digest expected) throws IOException {
        Path tmp = newTempPath("ingest");
        try {
            MessageDigest md = Digest.newSha256();
            try (FileChannel ch = SecureFiles.createPrivateFile(tmp)) {
                byte[] buf = new byte[BUF];
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                    ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                    while (bb.hasRemaining()) {
                        ch.write(bb);
                    }
                }
                ch.force(true);
            }
            Digest actual = Digest.fromBytes(md.digest());
            if (expected != null && !expected.equals(actual)) {
                throw new DigestMismatchException(expected, actual);
            }
            publish(tmp, actual);
            return actual;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Hashes an already written temp file, verifies it against {@code expected}, fsyncs and publishes it. */
    public Digest ingestFile(Path tmp, Digest expected) throws IOException {
        MessageDigest md = Digest.newSha256();
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(BUF);
            while (ch.read(buf) > 0) {
                buf.flip();
                md.update(buf);
                buf.clear();
            }
            ch.force(true);
        }
        Digest actual = Digest.fromBytes(md.digest());
        if (expected != null && !expected.equals(actual)) {
            throw new DigestMismatchException(expected, actual);
        }
        publish(tmp, actual);
        return actual;
    }

    /**
     * Takes over {@code file}, whose digest this process computed while it wrote or read it: synced and renamed
     * into place, without reading it again. A file on another file system is copied (and verified) instead.
     * The file is gone afterwards.
     */
    public Digest adopt(Path file, Digest digest) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Path tmp = newTempPath("adopt");
        try {
            Files.move(file, tmp, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.AtomicMoveNotSupportedException otherFileSystem) {
            try (InputStream in = Files.newInputStream(file)) {
                Digest copied = ingest(in, digest);
                Files.delete(file);
                return copied;
            }
        }
        try {
            publish(tmp, digest);
            return digest;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Publishes a temp file whose digest the caller computed while writing it and which it already fsynced.
     * If the blob exists already its modification time is refreshed (so GC's grace period restarts).
     */
    void publish(Path tmp, Digest digest) throws IOException {
        SecureFiles.makePrivate(tmp);
        publishLock.lock();
        try {
            Path target = path(digest);
            if (Files.exists(target)) {
                Files.setLastModifiedTime(target, FileTime.fromMillis(System.currentTimeMillis()));
                Files.deleteIfExists(tmp);
                return;
            }
            SecureFiles.atomicMove(tmp, target);
        } finally {
            publishLock.unlock();
        }
    }

    /** All blob digests currently visible. */
    public List<Digest> list() throws IOException {
        List<Digest> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(blobDir)) {
            s.forEach(p -> {
                String name = p.getFileName().toString();
                if (name.length() == 64 && !name.startsWith(".")) {
                    try {
                        out.add(new Digest(name));
                    } catch (IllegalArgumentException ignored) {
                        log.warn("ignoring foreign file in blob dir: {}", name);
                    }
                }
            });
        }
        return out;
    }

    long totalBytes() throws IOException {
        long sum = 0;
        for (Digest d : list()) {
            sum += size(d).orElse(0L);
        }
        return sum;
    }

    /** Deletes a blob; only the garbage collector calls this, holding the exclusive store lock. */
    boolean delete(Digest d) throws IOException {
        return Files.deleteIfExists(path(d));
    }
}
