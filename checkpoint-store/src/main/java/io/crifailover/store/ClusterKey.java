package io.crifailover.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Base64;
import java.util.Set;

/** The per-cluster HMAC key shared by all store peers (at least 32 bytes, base64 in a 0600 file). */
public final class ClusterKey {
    private final byte[] key;

    public ClusterKey(byte[] key) {
        if (key.length < 32) {
            throw new IllegalArgumentException("cluster key too short: " + key.length + " bytes, need at least 32");
        }
        this.key = key.clone();
    }

    /** Reads a base64 key file; refuses files readable by group or others. */
    public static ClusterKey load(Path file) throws IOException {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
        if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
            throw new IOException("cluster key file " + file + " must not be readable by group/others (chmod 600)");
        }
        String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        try {
            return new ClusterKey(Base64.getDecoder().decode(text));
        } catch (IllegalArgumentException e) {
            throw new IOException("cluster key file " + file + ": " + e.getMessage(), e);
        }
    }

    /** A fresh random key, base64-encoded, for provisioning. */
    public static String generate() {
        byte[] k = new byte[32];
        new java.security.SecureRandom().nextBytes(k);
        return Base64.getEncoder().encodeToString(k);
    }

    byte[] bytes() {
        return key.clone();
    }
}
