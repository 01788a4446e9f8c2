package io.crifailover.store;

import com.fasterxml.jackson.databind.JsonNode;
import io.crifailover.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** HMAC-signing HTTP client for one peer store's replication and registry endpoints. */
public final class PeerClient {
    private static final int SEND_BUFFER = 1 << 20;
    private final String baseUrl;
    private final HmacSigner signer;
    private final int readTimeoutMillis;

    public PeerClient(String baseUrl, HmacSigner signer) {
        this(baseUrl, signer, 120_000);
    }

    public PeerClient(String baseUrl, HmacSigner signer, int readTimeoutMillis) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.signer = signer;
        this.readTimeoutMillis = readTimeoutMillis;
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** A failed request; {@code status} 400 means the peer rejected the content (retrying will not help). */
    public static final class PeerException extends IOException {
        private final int status;

        PeerException(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }

        public boolean rejected() {
            return status >= 400 && status < 500 && status != 408 && status != 409;
        }
    }

    private HttpURLConnection open(String method, String path, byte[] signedBody) throws IOException {
        HttpURLConnection c =
                (HttpURLConnection) URI.create(baseUrl + path).toURL().openConnection();
        c.setRequestMethod(method);
        c.setConnectTimeout(10_000);
        c.setReadTimeout(readTimeoutMillis);
        c.setUseCaches(false);
        for (Map.Entry<String, String> h : signer.sign(method, path, signedBody).entrySet()) {
            c.setRequestProperty(h.getKey(), h.getValue());
        }
        return c;
    }

    private byte[] exchange(HttpURLConnection c, byte[] body, String contentType) throws IOException {
        boolean ok = false;
        try {
            if (body != null) {
                c.setDoOutput(true);
                c.setFixedLengthStreamingMode(body.length);
                if (contentType != null) {
                    c.setRequestProperty("Content-Type", contentType);
                }
                try (OutputStream out = c.getOutputStream()) {
                    out.write(body);
                }
            }
            byte[] r = response(c);
            ok = true;
            return r;
        } finally {
            if (!ok) {
                c.disconnect();
            }
        }
    }

    private static byte[] response(HttpURLConnection c) throws IOException {
        int code = c.getResponseCode();
        if (code >= 300) {
            InputStream err = c.getErrorStream();
            String msg = err == null ? "" : new String(err.readAllBytes(), StandardCharsets.UTF_8);
            throw new PeerException(
                    code, c.getRequestMethod() + " " + c.getURL().getPath() + " -> " + code + " " + msg);
        }
        try (InputStream in = c.getInputStream()) {
            return in.readAllBytes();
        }
    }

    public OfferResponse offer(ChunkRecipe recipe, byte[] encoded) throws IOException {
        return offer(recipe, encoded, 0);
    }

    /** Offers a recipe segment whose first chunk is chunk {@code first} of the blob (0: whole recipe or first segment). */
    public OfferResponse offer(ChunkRecipe recipe, byte[] encoded, int first) throws IOException {
        String path = "/replication/v1/blobs/" + recipe.blob() + "/offer" + (first == 0 ? "" : "?first=" + first);
        JsonNode n =
                Exchanges.JSON.readTree(exchange(open("POST", path, encoded), encoded, "application/octet-stream"));
        List<Digest> missing = new ArrayList<>();
        for (JsonNode m : n.path("missing")) {
            missing.add(new Digest(m.asText()));
        }
        return new OfferResponse(
                n.path("present").asBoolean(), n.path("resumeFrom").asInt(), missing);
    }

    /**
     * Streams the listed chunks (offset/size in {@code file}) as frames; returns the bytes sent. Frames are
     * assembled in a large buffer straight from the file, so the socket sees few large writes.
     */
    public long sendChunks(Digest blob, Path file, List<ChunkRef> chunks, List<Long> offsets) throws IOException {
        long length = 0;
        for (ChunkRef c : chunks) {
            length += 36L + c.size();
        }
        HttpURLConnection conn = open("POST", "/replication/v1/blobs/" + blob + "/chunks", null);
        boolean ok = false;
        try {
            conn.setDoOutput(true);
            conn.setFixedLengthStreamingMode(length);
            conn.setRequestProperty("Content-Type", "application/octet-stream");
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
                    OutputStream out = conn.getOutputStream()) {
                byte[] buf = new byte[SEND_BUFFER];
                int fill = 0;
                for (int i = 0; i < chunks.size(); i++) {
                    ChunkRef c = chunks.get(i);
                    if (fill + 36 + c.size() > buf.length) {
                        out.write(buf, 0, fill);
                        fill = 0;
                    }
                    if (36 + c.size() > buf.length) {
                        buf = new byte[36 + c.size()];
                    }
                    System.arraycopy(c.digest().bytes(), 0, buf, fill, 32);
                    ByteBuffer.wrap(buf, fill + 32, 4).putInt(c.size());
                    ByteBuffer bb = ByteBuffer.wrap(buf, fill + 36, c.size());
                    long pos = offsets.get(i);
                    while (bb.hasRemaining()) {
                        if (ch.read(bb, pos + bb.position() - fill - 36) < 0) {
                            throw new IOException("blob " + blob + " shorter than its recipe");
                        }
                    }
                    fill += 36 + c.size();
                }
                out.write(buf, 0, fill);
            }
            response(conn);
            ok = true;
            return length;
        } finally {
            if (!ok) {
                conn.disconnect();
            }
        }
    }

    public void putManifest(String repository, String reference, byte[] content, String mediaType) throws IOException {
        String path = "/v2/" + repository + "/manifests/" + reference;
        exchange(open("PUT", path, content), content, mediaType);
    }

    public void recordHistory(String containerId, long sequence, String repository, String tag) throws IOException {
        byte[] body =
                Exchanges.JSON.writeValueAsBytes(Map.of("sequence", sequence, "repository", repository, "tag", tag));
        exchange(open("POST", "/replication/v1/history/" + containerId, body), body, "application/json");
    }
}
