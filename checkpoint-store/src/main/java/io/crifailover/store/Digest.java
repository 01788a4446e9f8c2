package io.crifailover.store;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** A validated {@code sha256:<64 hex>} content digest, the only algorithm this store accepts. */
public record Digest(String hex) implements Comparable<Digest> {
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");
    private static final String PREFIX = "sha256:";

    public Digest {
        if (hex == null || !HEX.matcher(hex).matches()) {
            throw new IllegalArgumentException("not a sha256 hex digest: '" + hex + "'");
        }
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
        return text != null && text.startsWith(PREFIX) && HEX.matcher(text.substring(PREFIX.length())).matches();
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
