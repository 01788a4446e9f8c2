package io.crifailover.store;

import com.sun.net.httpserver.HttpExchange;
import io.crifailover.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides who is calling: a peer store (HMAC signature with the cluster key, fresh timestamp, unseen nonce),
 * the node's runtime (HTTP Basic with the shim's {@link RuntimeCredentials}), a user (HTTP Basic against a
 * credentials file), or an anonymous client, from any address, loopback included.
 */
public final class AccessPolicy {
    private static final Logger log = LoggerFactory.getLogger(AccessPolicy.class);
    static final long MAX_SKEW_MILLIS = 5 * 60_000;
    private static final int MAX_NONCES = 200_000;

    private final HmacSigner verifier;
    private final Map<String, byte[]> users;
    private final Map<String, Long> nonces = new LinkedHashMap<>();
    private final RuntimeCredentials runtime;

    /** Peers with {@code clusterKey} (null: none) and {@code users}; no runtime credential. */
    public AccessPolicy(ClusterKey clusterKey, Map<String, String> users) {
        this(clusterKey, users, null);
    }

    /** Also accepts the runtime's current and previous credential ({@code runtime} may be null). */
    public AccessPolicy(ClusterKey clusterKey, Map<String, String> users, RuntimeCredentials runtime) {
        this.runtime = runtime;
        this.verifier = clusterKey == null ? null : new HmacSigner(clusterKey, "verifier");
        this.users = new HashMap<>();
        users.forEach((u, p) ->
                this.users.put(u, Digest.of(p.getBytes(StandardCharsets.UTF_8)).bytes()));
    }

    /** Reads {@code user:password} lines; the file must be private (0600). */
    public static Map<String, String> loadUsers(Path file) throws IOException {
        if (Files.getPosixFilePermissions(file).stream()
                .anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
            throw new IOException("credentials file " + file + " must be mode 0600");
        }
        Map<String, String> out = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int i = line.indexOf(':');
            if (i <= 0) {
                throw new IOException("credentials file " + file + ": expected user:password, got a line without ':'");
            }
            out.put(line.substring(0, i), line.substring(i + 1));
        }
        return out;
    }

    /** Authenticates the exchange. May wrap the request body to verify a signed payload hash at EOF. */
    public Caller identify(HttpExchange ex) throws AuthenticationException {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth != null && auth.startsWith(HmacSigner.SCHEME + " ")) {
            return verifyPeer(ex, auth.substring(HmacSigner.SCHEME.length() + 1).trim());
        }
        if (auth != null
                && auth.regionMatches(true, 0, "Basic ", 0, 6)
                && !isEmptyBasic(auth.substring(6).trim())) {
            return verifyUser(auth.substring(6).trim());
        }
        return new Caller(
                Caller.Kind.ANONYMOUS, ex.getRemoteAddress().getAddress().getHostAddress(), false);
    }

    /** Clients without credentials answer a Basic challenge with an empty user and password: anonymous. */
    private static boolean isEmptyBasic(String b64) {
        try {
            return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8).equals(":") || b64.isEmpty();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private Caller verifyUser(String b64) throws AuthenticationException {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new AuthenticationException("malformed Basic credentials");
        }
        int i = decoded.indexOf(':');
        String user = i < 0 ? decoded : decoded.substring(0, i);
        String password = i < 0 ? "" : decoded.substring(i + 1);
        if (runtime != null && runtime.accepts(user, password)) {
            return new Caller(Caller.Kind.RUNTIME, user, false);
        }
        byte[] given = Digest.of(password.getBytes(StandardCharsets.UTF_8)).bytes();
        byte[] expected = users.get(user);
        if (expected == null || !MessageDigest.isEqual(expected, given)) {
            throw new AuthenticationException("invalid user name or password");
        }
        return new Caller(Caller.Kind.USER, user, false);
    }

    private Caller verifyPeer(HttpExchange ex, String signature) throws AuthenticationException {
        if (verifier == null) {
            throw new AuthenticationException("peer authentication is not configured on this store (no cluster key)");
        }
        var h = ex.getRequestHeaders();
        String node = h.getFirst(HmacSigner.NODE);
        String date = h.getFirst(HmacSigner.DATE);
        String nonce = h.getFirst(HmacSigner.NONCE);
        String content = h.getFirst(HmacSigner.CONTENT);
        if (node == null || date == null || nonce == null || content == null) {
            throw new AuthenticationException("signed request lacks one of the X-Crif-* headers");
        }
        long ts;
        try {
            ts = Long.parseLong(date);
        } catch (NumberFormatException e) {
            throw new AuthenticationException("bad X-Crif-Date");
        }
        String expected = verifier.signature(
                ex.getRequestMethod(),
                ex.getRequestURI().getRawPath()
                        + (ex.getRequestURI().getRawQuery() == null
                                ? ""
                                : "?" + ex.getRequestURI().getRawQuery()),
                node,
                date,
                nonce,
                content);
        if (!MessageDigest.isEqual(
                expected.getBytes(StandardCharsets.US_ASCII), signature.getBytes(StandardCharsets.US_ASCII))) {
            throw new AuthenticationException("bad signature from node '" + node + "'");
        }
        long now = System.currentTimeMillis();
        if (Math.abs(now - ts) > MAX_SKEW_MILLIS) {
            throw new AuthenticationException(
                    "request from node '" + node + "' is too old or from the future (clock skew > 5 min)");
        }
        synchronized (nonces) {
            nonces.entrySet().removeIf(e -> now - e.getValue() > 2 * MAX_SKEW_MILLIS);
            if (nonces.containsKey(nonce)) {
                throw new AuthenticationException("replayed request (nonce seen before) from node '" + node + "'");
            }
            if (nonces.size() >= MAX_NONCES) {
                throw new AuthenticationException("too many signed requests in the replay window");
            }
            nonces.put(nonce, now);
        }
        boolean signedBody = !HmacSigner.UNSIGNED.equals(content);
        if (signedBody) {
            if (!content.matches("[0-9a-f]{64}")) {
                throw new AuthenticationException("bad X-Crif-Content-Sha256");
            }
            InputStream body = ex.getRequestBody();
            ex.setStreams(new VerifyingInputStream(body, new Digest(content)), null);
        }
        log.debug("authenticated peer {}", node);
        return new Caller(Caller.Kind.PEER, node, signedBody);
    }
}
