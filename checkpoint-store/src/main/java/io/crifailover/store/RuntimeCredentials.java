package io.crifailover.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The credential the node's own runtime pulls checkpoint images with: a fixed user name and a random password
 * that {@link #rotate()} replaces. The current and the previous password are both accepted, so a pull that
 * began just before a rotation still succeeds. Every rotation rewrites a {@code user:password} file (0600,
 * replaced atomically) for operators who need to pull by hand.
 */
public final class RuntimeCredentials {
    /** The user name the runtime's pulls carry. */
    public static final String USER = "runtime";

    private static final SecureRandom RANDOM = new SecureRandom();

    /** One user name and password. */
    public record Credential(String user, String password) {
        @Override
        public String toString() {
            return "Credential[" + user + ", password hidden]";
        }
    }

    private final Path file;
    private volatile Credential current;
    private volatile Credential previous;

    private RuntimeCredentials(Path file) {
        this.file = file;
    }

    /** A fresh credential, written to {@code file}. */
    public static RuntimeCredentials create(Path file) throws IOException {
        RuntimeCredentials c = new RuntimeCredentials(file);
        c.rotate();
        return c;
    }

    /** The credential to pull with now. */
    public Credential current() {
        return current;
    }

    /** Replaces the password (the one it replaces stays valid until the next rotation) and rewrites the file. */
    public synchronized Credential rotate() throws IOException {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        Credential next = new Credential(USER, HexFormat.of().formatHex(secret));
        write(next);
        previous = current;
        current = next;
        return next;
    }

    /** Whether {@code user} and {@code password} are the current or the previous credential. */
    boolean accepts(String user, String password) {
        return matches(current, user, password) || matches(previous, user, password);
    }

    private static boolean matches(Credential c, String user, String password) {
        return c != null
                && MessageDigest.isEqual(
                        c.user().getBytes(StandardCharsets.UTF_8), user.getBytes(StandardCharsets.UTF_8))
                && MessageDigest.isEqual(
                        c.password().getBytes(StandardCharsets.UTF_8), password.getBytes(StandardCharsets.UTF_8));
    }

    private void write(Credential c) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, c.user() + ":" + c.password() + "\n");
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
