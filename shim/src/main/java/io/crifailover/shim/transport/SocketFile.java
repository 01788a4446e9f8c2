package io.crifailover.shim.transport;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Prepares the place of the listening socket and tidies it up afterwards. */
public final class SocketFile {

    private static final Logger LOG = LoggerFactory.getLogger(SocketFile.class);

    /** Mode of the socket: read/write for owner (root) and group only. */
    public static final Set<PosixFilePermission> SOCKET_MODE = PosixFilePermissions.fromString("rw-rw----");
    /** Mode of a parent directory the shim creates. */
    public static final Set<PosixFilePermission> DIRECTORY_MODE = PosixFilePermissions.fromString("rwxr-x---");

    private SocketFile() {}

    /**
     * Creates missing parent directories (0750) and removes a stale socket left by a previous run.
     * Refuses to touch anything that is not a socket, and refuses to take over a socket on which
     * another process still accepts connections.
     */
    public static void prepare(Path socket) throws IOException {
        Path parent = socket.getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            createDirectories(parent);
        }
        PosixFileAttributes attributes;
        try {
            attributes = Files.readAttributes(socket, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if (!attributes.isOther()) {
            throw new FileAlreadyExistsException(
                    socket.toString(), null, "exists and is not a socket; refusing to replace it");
        }
        if (accepts(socket)) {
            throw new IOException("another process is already serving on " + socket
                    + "; stop it first or choose another --listen path");
        }
        Files.deleteIfExists(socket);
        LOG.info("removed stale socket {}", socket);
    }

    /** Restricts a freshly bound socket to owner and group (0660). */
    public static void restrict(Path socket) throws IOException {
        Files.setPosixFilePermissions(socket, SOCKET_MODE);
    }

    /** Removes the socket if it is still there. */
    public static void remove(Path socket) {
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.warn("could not remove socket {}", socket, e);
        }
    }

    /** Whether some process accepts connections on {@code socket}. */
    public static boolean accepts(Path socket) {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void createDirectories(Path directory) throws IOException {
        Path parent = directory.getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            createDirectories(parent);
        }
        try {
            Files.createDirectory(directory);
            Files.setPosixFilePermissions(directory, DIRECTORY_MODE);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(directory)) {
                throw new FileAlreadyExistsException(
                        directory.toString(), null, "exists and is not a directory; cannot put the socket there");
            }
        }
    }
}
