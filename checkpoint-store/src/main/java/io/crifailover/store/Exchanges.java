package io.crifailover.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;

/** Small helpers for writing HTTP responses and reading bounded request bodies. */
final class Exchanges {
    static final ObjectMapper JSON = new ObjectMapper();

    private Exchanges() {}

    static void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        if (contentType != null) {
            ex.getResponseHeaders().set("Content-Type", contentType);
        }
        if ("HEAD".equals(ex.getRequestMethod())) {
            ex.getResponseHeaders().set("Content-Length", Long.toString(body.length));
            ex.sendResponseHeaders(status, -1);
        } else if (body.length == 0) {
            ex.sendResponseHeaders(status, -1);
        } else {
            ex.sendResponseHeaders(status, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
        ex.close();
    }

    static void empty(HttpExchange ex, int status) throws IOException {
        ex.sendResponseHeaders(status, -1);
        ex.close();
    }

    static void json(HttpExchange ex, int status, Object value) throws IOException {
        send(ex, status, "application/json", JSON.writeValueAsBytes(value));
    }

    static void error(HttpExchange ex, RegistryError e) throws IOException {
        drain(ex);
        if (e.status() == 401) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"cri-failover-store\"");
        }
        json(
                ex,
                e.status(),
                Map.of("errors", List.of(Map.of("code", e.code(), "message", String.valueOf(e.getMessage())))));
    }

    /** Reads the whole body, failing with 413 beyond {@code limit} bytes. */
    static byte[] readBody(HttpExchange ex, int limit) throws IOException, RegistryError {
        try (InputStream in = ex.getRequestBody()) {
            byte[] data = in.readNBytes(limit + 1);
            if (data.length > limit) {
                throw new RegistryError(413, "SIZE_INVALID", "request body larger than " + limit + " bytes");
            }
            return data;
        }
    }

    static void drain(HttpExchange ex) {
        try (InputStream in = ex.getRequestBody()) {
            byte[] buf = new byte[8192];
            long total = 0;
            int n;
            while (total < (1 << 20) && (n = in.read(buf)) > 0) {
                total += n;
            }
        } catch (IOException ignored) {
            // client gone or body invalid; the response still goes out
        }
    }
}
