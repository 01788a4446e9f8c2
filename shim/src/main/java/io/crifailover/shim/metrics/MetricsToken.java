package io.crifailover.shim.metrics;

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
 * The local credential the metrics endpoint and the status page ask for: a random bearer token, fresh at every
 * start, in a file only root reads (0600, replaced atomically). Operators send it with {@code curl -H
 * "Authorization: Bearer $(cat FILE)"}; Prometheus reads the same file ({@code authorization.credentials_file}).
 */
public final class MetricsToken {
    /** The token file's name, next to the shim's listening socket. */
    public static final String FILE_NAME = "metrics.token";

    private static final String SCHEME = "Bearer ";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] expected;

    private MetricsToken(String token) {
        this.expected = token.getBytes(StandardCharsets.US_ASCII);
    }

    /** A fresh token, written to {@code file} (its directory is created if missing). */
    public static MetricsToken create(Path file) throws IOException {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String token = HexFormat.of().formatHex(secret);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, token + "\n");
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return new MetricsToken(token);
    }

    /** Whether an {@code Authorization} header value (null when absent) carries this token. */
    public boolean admits(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return false;
        }
        byte[] given = authorization.substring(SCHEME.length()).trim().getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, given);
    }
}
