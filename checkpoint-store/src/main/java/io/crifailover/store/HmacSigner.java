package io.crifailover.store;

import io.crifailover.oci.Digest;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs peer requests: HMAC-SHA256 with the cluster key over method, path+query, node name, timestamp,
 * a random nonce and the body's sha256 (or {@code UNSIGNED-PAYLOAD} for chunk streams, whose chunks are
 * verified against digests from a signed offer).
 */
public final class HmacSigner {
    public static final String SCHEME = "CRIF-HMAC-SHA256";
    public static final String NODE = "X-Crif-Node";
    public static final String DATE = "X-Crif-Date";
    public static final String NONCE = "X-Crif-Nonce";
    public static final String CONTENT = "X-Crif-Content-Sha256";
    public static final String UNSIGNED = "UNSIGNED-PAYLOAD";

    private final SecretKeySpec key;
    private final String node;
    private final SecureRandom random = new SecureRandom();

    public HmacSigner(ClusterKey key, String node) {
        this.key = new SecretKeySpec(key.bytes(), "HmacSHA256");
        this.node = node;
    }

    /** Headers to add to a request; {@code body} null means an unsigned streamed payload. */
    public Map<String, String> sign(String method, String pathAndQuery, byte[] body) {
        byte[] n = new byte[16];
        random.nextBytes(n);
        String nonce = HexFormat.of().formatHex(n);
        String date = Long.toString(System.currentTimeMillis());
        String content = body == null ? UNSIGNED : Digest.of(body).hex();
        Map<String, String> h = new LinkedHashMap<>();
        h.put(NODE, node);
        h.put(DATE, date);
        h.put(NONCE, nonce);
        h.put(CONTENT, content);
        h.put("Authorization", SCHEME + " " + signature(method, pathAndQuery, node, date, nonce, content));
        return h;
    }

    String signature(String method, String pathAndQuery, String node, String date, String nonce, String content) {
        String text = SCHEME + "\n" + method + "\n" + pathAndQuery + "\n" + node + "\n" + date + "\n" + nonce + "\n"
                + content;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return Base64.getEncoder().encodeToString(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
