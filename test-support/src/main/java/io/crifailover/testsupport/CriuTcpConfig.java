package io.crifailover.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The CRIU options a node needs to checkpoint TCP servers with clients connected, as a CRIU
 * configuration file. runc starts {@code criu swrk} with its own environment, and CRIU reads the
 * file named by {@code CRIU_CONFIG_FILE} before it applies runc's RPC options; runc sets neither
 * option below, so the file's values stand. Each harness containerd gets its own file through its
 * environment, so several nodes on one machine need no change to the host's {@code /etc/criu}.
 * On a real node the same two lines go into {@code /etc/criu/runc.conf}, which runc hands to CRIU
 * by default.
 *
 * <ul>
 *   <li>{@code tcp-close}: at dump, leave established connections alone (no TCP repair, no network
 *       lock) and record them; at restore, recreate them closed. A restored pod has a new IP, so
 *       the connections could not be resumed anyway; the clients see a reset or a timeout and
 *       reconnect. Without it a dump with any client connected fails ("Connected TCP socket").
 *   <li>{@code skip-in-flight}: a connection still in a listening socket's accept queue (the client
 *       has connected, the server not yet accepted) is dropped instead of failing the dump.
 * </ul>
 */
public final class CriuTcpConfig {
    /** The file's content. */
    public static final String CONTENT =
            "# cri-failover: checkpoint TCP servers with clients connected\n" + "tcp-close\n" + "skip-in-flight\n";

    /** The environment variable CRIU reads the file's path from. */
    public static final String ENVIRONMENT = "CRIU_CONFIG_FILE";

    private CriuTcpConfig() {}

    /** Writes the file (0600) as {@code dir/criu.conf} and returns its path. */
    public static Path write(Path dir) throws IOException {
        Path file = dir.resolve("criu.conf");
        Files.writeString(file, CONTENT);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }
}
