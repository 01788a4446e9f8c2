package io.crifailover.shim.transport;

import io.grpc.netty.shaded.io.netty.channel.ChannelException;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.netty.shaded.io.netty.channel.unix.Socket;
import java.io.IOException;
import java.nio.file.Path;
import jnr.constants.platform.Fcntl;
import jnr.constants.platform.OpenFlags;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/**
 * A listening socket this process inherited (from systemd), checked to be what kubelet needs: an
 * {@code AF_UNIX} stream socket on which {@code listen} was called.
 *
 * @param fd the descriptor
 * @param path the file the socket is bound to, or null for an unnamed or abstract socket
 */
public record InheritedSocket(int fd, Path path) {

    private static final int SOL_SOCKET = 1;
    private static final int SO_TYPE = 3;
    private static final int SO_ACCEPTCONN = 30;
    private static final int SO_DOMAIN = 39;
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int FD_CLOEXEC = 1;

    /**
     * Checks {@code fd} and makes it ready for Netty: non-blocking (systemd passes blocking sockets;
     * a blocking accept would stall the event loop once the backlog is empty) and close-on-exec.
     * The flags belong to the open socket, which the service manager shares; it does not mind.
     */
    public static InheritedSocket take(int fd) throws IOException {
        InheritedSocket socket = check(fd);
        POSIX posix = POSIXFactory.getNativePOSIX();
        int flags = posix.fcntl(fd, Fcntl.F_GETFL);
        if (flags == -1
                || (flags & OpenFlags.O_NONBLOCK.intValue()) == 0
                        && posix.fcntlInt(fd, Fcntl.F_SETFL, flags | OpenFlags.O_NONBLOCK.intValue()) == -1) {
            throw new IOException("cannot make inherited fd " + fd + " non-blocking: errno " + posix.errno());
        }
        int fdFlags = posix.fcntl(fd, Fcntl.F_GETFD);
        if (fdFlags == -1 || posix.fcntlInt(fd, Fcntl.F_SETFD, fdFlags | FD_CLOEXEC) == -1) {
            throw new IOException("cannot set close-on-exec on inherited fd " + fd + ": errno " + posix.errno());
        }
        return socket;
    }

    /** Checks {@code fd}; the descriptor is neither closed nor changed. */
    public static InheritedSocket check(int fd) throws IOException {
        Epoll.ensureAvailability();
        Socket socket;
        int domain;
        int type;
        int listening;
        try {
            socket = new Socket(fd);
            domain = socket.getIntOpt(SOL_SOCKET, SO_DOMAIN);
            type = socket.getIntOpt(SOL_SOCKET, SO_TYPE);
            listening = socket.getIntOpt(SOL_SOCKET, SO_ACCEPTCONN);
        } catch (IOException | ChannelException e) {
            throw new IOException(
                    "inherited fd " + fd + " is not a usable socket (" + e.getMessage()
                            + "); the service manager must pass a listening unix stream socket (ListenStream=/path)",
                    e);
        }
        if (domain != AF_UNIX) {
            throw new IOException("inherited fd " + fd + " is not a unix socket (address family " + domain
                    + "); use ListenStream=/path/to/cri.sock in the socket unit");
        }
        if (type != SOCK_STREAM) {
            throw new IOException("inherited fd " + fd + " is not a stream socket (type " + type
                    + "); use ListenStream=, not ListenDatagram= or ListenSequentialPacket=");
        }
        if (listening == 0) {
            throw new IOException("inherited fd " + fd + " is a unix stream socket that is not listening"
                    + " (Accept=yes passes connections, not the listening socket; use Accept=no)");
        }
        DomainSocketAddress local = socket.localDomainSocketAddress();
        String path = local == null ? null : local.path();
        return new InheritedSocket(fd, path == null || path.isEmpty() || path.charAt(0) == '\0' ? null : Path.of(path));
    }

    @Override
    public String toString() {
        return "fd " + fd + (path == null ? " (unnamed)" : " (" + path + ")");
    }
}
