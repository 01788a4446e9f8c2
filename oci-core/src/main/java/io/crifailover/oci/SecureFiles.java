package io.crifailover.oci;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Stream;

/**
 * File-system primitives for checkpoint data: private permissions (files 0600, directories 0700),
 * fsync, atomic rename and recursive removal. Files are written to a 0600 temporary file next to
 * their target (its name starts with a dot) and renamed over it, so a reader sees the old content or
 * the new, never half of it.
 */
public final class SecureFiles {

    private static final Set<PosixFilePermission> DIR_PERMS = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_PERMS = PosixFilePermissions.fromString("rw-------");
    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_DIR =
            PosixFilePermissions.asFileAttribute(DIR_PERMS);
    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_FILE =
            PosixFilePermissions.asFileAttribute(FILE_PERMS);

    private SecureFiles() {}

    /**
     * Creates {@code dir} and missing parents; the directories created here are 0700, existing ones
     * keep their mode (an output directory's parent may be {@code /tmp}).
     */
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
            Files.createDirectory(absolute, PRIVATE_DIR);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(absolute)) {
                throw e;
            }
        }
        return dir;
    }

    /** Like {@link #createPrivateDirectories}, and makes {@code dir} itself 0700 even if it existed. */
    public static Path ensurePrivateDirectory(Path dir) throws IOException {
        createPrivateDirectories(dir);
        Files.setPosixFilePermissions(dir, DIR_PERMS);
        return dir;
    }

    /** Creates an empty 0600 file, failing if it exists, open for reading and writing. */
    public static FileChannel createPrivateFile(Path file) throws IOException {
        return FileChannel.open(
                file,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ),
                PRIVATE_FILE);
    }

    /** Makes an existing file 0600. */
    public static void makePrivate(Path file) throws IOException {
        Files.setPosixFilePermissions(file, FILE_PERMS);
    }

    /** Creates a fresh 0600 temporary file in {@code dir}; its name starts with {@code prefix}. */
    public static Path createPrivateTempFile(Path dir, String prefix) throws IOException {
        return Files.createTempFile(dir, prefix, ".tmp", PRIVATE_FILE);
    }

    /** Creates a fresh 0700 temporary directory in {@code dir}. */
    public static Path createPrivateTempDirectory(Path dir, String prefix) throws IOException {
        return Files.createTempDirectory(dir, prefix, PRIVATE_DIR);
    }

    /** Flushes a file's content to stable storage. */
    public static void fsync(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** Flushes a directory's entries (after a rename in it) to stable storage. */
    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
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

    /**
     * Atomically replaces {@code target} with {@code source} (a fully written and synced file on the
     * same file system) and syncs the directory, so the rename survives a crash.
     */
    public static void atomicMove(Path source, Path target) throws IOException {
        rename(source, target);
        Path parent = target.toAbsolutePath().getParent();
        if (parent != null) {
            fsyncDirectory(parent);
        }
    }

    /**
     * Writes {@code bytes} to {@code target} through a synced 0600 temporary file, an atomic rename
     * and a synced directory; missing parent directories are created 0700.
     */
    public static void writeAtomically(Path target, byte[] bytes) throws IOException {
        replace(target, bytes, Sync.FILE_AND_DIRECTORY);
    }

    /**
     * Like {@link #writeAtomically} without syncing the directory: for files whose directory is
     * synced once later, before anything refers to them (the blobs of an image layout).
     */
    public static void writeSynced(Path target, byte[] bytes) throws IOException {
        replace(target, bytes, Sync.FILE);
    }

    /**
     * Writes {@code bytes} to a 0600 temporary file and renames it over {@code target} without any
     * fsync: readers see the old or the new content, never a mix, but after a power loss the file may
     * be missing or empty. Only for files that are verified when read back or thrown away after a
     * crash (replication transfer recipes, scratch layouts).
     */
    public static void replaceUnsynced(Path target, byte[] bytes) throws IOException {
        replace(target, bytes, Sync.NONE);
    }

    private enum Sync {
        NONE,
        FILE,
        FILE_AND_DIRECTORY
    }

    private static void replace(Path target, byte[] bytes, Sync sync) throws IOException {
        Path parent = createPrivateDirectories(target.toAbsolutePath().getParent());
        Path temp = createPrivateTempFile(parent, "." + target.getFileName() + ".");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                if (sync != Sync.NONE) {
                    channel.force(true);
                }
            }
            if (sync == Sync.FILE_AND_DIRECTORY) {
                atomicMove(temp, target);
            } else {
                rename(temp, target);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Removes a file or a directory tree (links are removed, not followed); missing paths are ignored. */
    public static void deleteRecursively(Path path) throws IOException {
        if (path == null || !Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
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
