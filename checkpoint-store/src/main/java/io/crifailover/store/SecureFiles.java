package io.crifailover.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.UUID;

/** File helpers that keep checkpoint data private (dirs 0700, files 0600) and never expose half-written files. */
public final class SecureFiles {
    static final Set<PosixFilePermission> DIR_PERMS = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> FILE_PERMS = PosixFilePermissions.fromString("rw-------");

    private SecureFiles() {}

    /** Creates the directory and missing parents below it with mode 0700. */
    public static Path ensureDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Path parent = dir.getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                ensureDir(parent);
            }
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_PERMS));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // created concurrently
            }
        }
        Files.setPosixFilePermissions(dir, DIR_PERMS);
        return dir;
    }

    /** Creates an empty 0600 file for exclusive writing. */
    public static FileChannel createPrivate(Path file) throws IOException {
        return FileChannel.open(
                file,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ),
                PosixFilePermissions.asFileAttribute(FILE_PERMS));
    }

    /** Writes bytes to a temp file in the target directory, fsyncs, and renames atomically over {@code target}. */
    public static void writeAtomically(Path target, byte[] content) throws IOException {
        Path dir = ensureDir(target.getParent());
        Path tmp = dir.resolve(".tmp-" + target.getFileName() + "-" + UUID.randomUUID());
        try {
            try (FileChannel ch = createPrivate(tmp)) {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            publish(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Writes bytes to a temp file and renames it over {@code target} without fsync: readers see the old or the
     * new content, never a mix, but after a power loss the file may be missing or empty. Only for state that is
     * verified when read back (replication transfer recipes).
     */
    public static void replaceUnsynced(Path target, byte[] content) throws IOException {
        Path tmp = target.resolveSibling(".tmp-" + target.getFileName() + "-" + UUID.randomUUID());
        try {
            try (FileChannel ch = createPrivate(tmp)) {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Atomically renames a fully written and synced temp file to its final name and syncs the directory. */
    public static void publish(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("filesystem cannot rename atomically: " + target, e);
        }
        fsyncDir(target.getParent());
    }

    /** Syncs a directory so a rename inside it survives a crash. */
    public static void fsyncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** Removes a directory tree; used for temp and staging areas owned by the store. */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
