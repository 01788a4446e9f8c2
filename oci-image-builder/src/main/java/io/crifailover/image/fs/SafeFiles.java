package io.crifailover.image.fs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * File-system primitives for checkpoint data: private permissions (files 0600, directories 0700),
 * fsync, atomic rename and recursive removal.
 */
public final class SafeFiles {

    private SafeFiles() {}

    /** Creates {@code dir} and missing parents; the directories created here are 0700. */
    public static Path createPrivateDirectories(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            return dir;
        }
        Path parent = absolute.getParent();
        if (parent != null) {
            createPrivateDirectories(parent);
        }
        try {
            Files.createDirectory(
                    absolute, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(absolute)) {
                throw e;
            }
        }
        return dir;
    }

    /** Creates a fresh 0600 temporary file in {@code dir}. */
    public static Path createPrivateTempFile(Path dir, String prefix) throws IOException {
        return Files.createTempFile(
                dir,
                prefix,
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }

    /** Creates a fresh 0700 temporary directory in {@code dir}. */
    public static Path createPrivateTempDirectory(Path dir, String prefix) throws IOException {
        return Files.createTempDirectory(
                dir, prefix, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    /** Flushes a file's content to stable storage. */
    public static void fsync(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** Flushes a directory entry table (after a rename) to stable storage. */
    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Some file systems refuse fsync on a directory; the rename itself is still atomic.
        }
    }

    /** Atomically replaces {@code target} with {@code source} (same file system) and syncs the parent. */
    public static void atomicMove(Path source, Path target) throws IOException {
        rename(source, target);
        Path parent = target.toAbsolutePath().getParent();
        if (parent != null) {
            fsyncDirectory(parent);
        }
    }

    /**
     * Atomically replaces {@code target} with {@code source} (same file system) without syncing the
     * directory: for renames whose directory is synced once later, before anything refers to them.
     */
    public static void rename(Path source, Path target) throws IOException {
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException(
                    "cannot atomically rename " + source + " to " + target + " (different file systems?)", e);
        }
    }

    /** Writes {@code bytes} to {@code target} through a synced 0600 temporary file and an atomic rename. */
    public static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Path temp = createPrivateTempFile(parent, "." + target.getFileName() + ".");
        try {
            Files.write(temp, bytes, StandardOpenOption.TRUNCATE_EXISTING);
            fsync(temp);
            atomicMove(temp, target);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Removes a file or a directory tree; missing paths are ignored. */
    public static void deleteRecursively(Path path) throws IOException {
        if (path == null || !Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(path);
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (NoSuchFileException ignored) {
                    // already gone
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Best-effort cleanup used on failure paths: never throws, adds problems to {@code cause}. */
    public static void deleteQuietly(Path path, Throwable cause) {
        try {
            deleteRecursively(path);
        } catch (IOException | RuntimeException e) {
            if (cause != null) {
                cause.addSuppressed(e);
            }
        }
    }
}
