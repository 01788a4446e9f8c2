package io.crifailover.oci;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A validated {@code sha256:<64 hex>} content digest (OCI notation), the only algorithm cri-failover
 * writes or accepts. Serialized as its OCI string in JSON documents.
 */
public record Digest(String hex) implements Comparable<Digest> {
    private static final char[] HEX_DIGITS = "0123456789abcdef".toCharArray();
    private static final String PREFIX = "sha256:";

    public Digest {
        if (!isLowerHex64(hex)) {
            throw new IllegalArgumentException("not a sha256 hex digest: '" + hex + "'");
        }
    }

    private static boolean isLowerHex64(String s) {
        if (s == null || s.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    /** True if {@code raw} (32 bytes) is this digest, without allocating. */
    public boolean matches(byte[] raw, int off) {
        for (int i = 0; i < 32; i++) {
            int b = raw[off + i] & 0xff;
            if (hex.charAt(2 * i) != HEX_DIGITS[b >>> 4] || hex.charAt(2 * i + 1) != HEX_DIGITS[b & 0xf]) {
                return false;
            }
        }
        return true;
    }

    /** Parses {@code sha256:<hex>}; anything else is rejected with a message naming the input. */
    @JsonCreator
    public static Digest parse(String text) {
        if (text == null || !text.startsWith(PREFIX)) {
            throw new IllegalArgumentException("unsupported digest (only sha256 is accepted): '" + text + "'");
        }
        return new Digest(text.substring(PREFIX.length()));
    }

    public static boolean isDigest(String text) {
        return text != null && text.startsWith(PREFIX) && isLowerHex64(text.substring(PREFIX.length()));
    }

    public static Digest of(byte[] data) {
        MessageDigest md = newSha256();
        return fromBytes(md.digest(data));
    }

    public static Digest fromBytes(byte[] raw) {
        return new Digest(HexFormat.of().formatHex(raw));
    }

    public byte[] bytes() {
        return HexFormat.of().parseHex(hex);
    }

    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JDK without SHA-256", e);
        }
    }

    @Override
    public int compareTo(Digest o) {
        return hex.compareTo(o.hex);
    }

    @JsonValue
    @Override
    public String toString() {
        return PREFIX + hex;
    }
}
