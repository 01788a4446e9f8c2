package io.crifailover.store;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.crifailover.oci.Digest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OCI distribution API subset runtimes and skopeo use: ping, catalog, tags list, manifests (GET/HEAD/PUT
 * by tag or digest), blobs (GET/HEAD with Range) and blob uploads (monolithic and chunked).
 */
final class RegistryHandler implements HttpHandler {
    private static final Logger log = LoggerFactory.getLogger(RegistryHandler.class);
    private static final int MAX_MANIFEST = 4 << 20;

    private final CheckpointStore store;
    private final UploadSessions uploads;
    private final AccessPolicy policy;

    RegistryHandler(CheckpointStore store, UploadSessions uploads, AccessPolicy policy) {
        this.store = store;
        this.uploads = uploads;
        this.policy = policy;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Docker-Distribution-API-Version", "registry/2.0");
        try {
            Caller caller;
            try {
                caller = policy.identify(ex);
            } catch (AuthenticationException e) {
                log.warn(
                        "refused {} {} from {}: {}",
                        ex.getRequestMethod(),
                        ex.getRequestURI().getPath(),
                        ex.getRemoteAddress(),
                        e.getMessage());
                throw new RegistryError(401, "UNAUTHORIZED", e.getMessage());
            }
            boolean read = "GET".equals(ex.getRequestMethod()) || "HEAD".equals(ex.getRequestMethod());
            if (read ? !caller.mayPull() : !caller.mayPush()) {
                // debug only: every credentialed client's first request is anonymous, answered with the challenge
                log.debug(
                        "{} {} from {} ({}) refused",
                        ex.getRequestMethod(),
                        ex.getRequestURI().getPath(),
                        ex.getRemoteAddress(),
                        caller.kind());
                throw refusal(caller);
            }
            route(ex, caller);
        } catch (RegistryError e) {
            Exchanges.error(ex, e);
        } catch (IllegalArgumentException e) {
            Exchanges.error(ex, new RegistryError(400, "NAME_INVALID", e.getMessage()));
        } catch (DigestMismatchException e) {
            log.warn(
                    "rejected {} {}: {}",
                    ex.getRequestMethod(),
                    ex.getRequestURI().getPath(),
                    e.getMessage());
            Exchanges.error(ex, new RegistryError(400, "DIGEST_INVALID", e.getMessage()));
        } catch (IOException | RuntimeException e) {
            log.error("{} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
            try {
                Exchanges.error(ex, new RegistryError(500, "UNKNOWN", e.toString()));
            } catch (IOException | RuntimeException ignored) {
                ex.close();
            }
        }
    }

    /**
     * Anonymous callers get 401 with the Basic challenge (see {@link Exchanges#error}), even on the {@code /v2/}
     * ping, because clients like skopeo and containerd send credentials only after one; the runtime's credential
     * gets 403 for anything but a pull.
     */
    private static RegistryError refusal(Caller caller) {
        return caller.isAuthenticated()
                ? new RegistryError(403, "DENIED", "the " + caller.kind() + " credential may only pull")
                : new RegistryError(401, "UNAUTHORIZED", "authentication required");
    }

    private void route(HttpExchange ex, Caller caller) throws IOException, RegistryError {
        String path = ex.getRequestURI().getRawPath();
        String method = ex.getRequestMethod();
        if (path.equals("/v2/") || path.equals("/v2")) {
            Exchanges.send(ex, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (!path.startsWith("/v2/")) {
            throw new RegistryError(404, "NOT_FOUND", "no such endpoint " + path);
        }
        String rest = path.substring(4);
        if (rest.equals("_catalog")) {
            Exchanges.json(ex, 200, Map.of("repositories", store.repositoryNames()));
            return;
        }
        int i;
        if (rest.endsWith("/tags/list")) {
            tags(ex, rest.substring(0, rest.length() - "/tags/list".length()));
        } else if ((i = rest.lastIndexOf("/manifests/")) > 0) {
            String name = rest.substring(0, i);
            String ref = rest.substring(i + "/manifests/".length());
            switch (method) {
                case "GET", "HEAD" -> getManifest(ex, name, ref);
                case "PUT" -> putManifest(ex, caller, name, ref);
                default -> throw new RegistryError(405, "UNSUPPORTED", method + " on manifests");
            }
        } else if ((i = rest.lastIndexOf("/blobs/uploads")) > 0) {
            String name = Names.repository(rest.substring(0, i));
            String id = rest.substring(i + "/blobs/uploads".length()).replaceFirst("^/", "");
            upload(ex, name, id);
        } else if ((i = rest.lastIndexOf("/blobs/")) > 0) {
            Names.repository(rest.substring(0, i));
            if (!method.equals("GET") && !method.equals("HEAD")) {
                throw new RegistryError(405, "UNSUPPORTED", method + " on blobs");
            }
            getBlob(ex, Digest.parse(rest.substring(i + "/blobs/".length())));
        } else {
            throw new RegistryError(404, "NOT_FOUND", "no such endpoint " + path);
        }
    }

    private void tags(HttpExchange ex, String name) throws IOException, RegistryError {
        Names.repository(name);
        List<String> tags = store.tags(name);
        if (tags.isEmpty() && !store.repositoryNames().contains(name)) {
            throw new RegistryError(404, "NAME_UNKNOWN", "repository " + name + " not known");
        }
        Map<String, String> q = query(ex);
        if (q.containsKey("last")) {
            String last = q.get("last");
            tags = tags.stream().filter(t -> t.compareTo(last) > 0).toList();
        }
        if (q.containsKey("n")) {
            tags = tags.subList(0, Math.min(tags.size(), Integer.parseInt(q.get("n"))));
        }
        Exchanges.json(ex, 200, Map.of("name", name, "tags", tags));
    }

    private void getManifest(HttpExchange ex, String name, String ref) throws IOException, RegistryError {
        Names.repository(name);
        StoredManifest m = store.manifest(name, ref)
                .orElseThrow(() ->
                        new RegistryError(404, "MANIFEST_UNKNOWN", "manifest " + name + ":" + ref + " not found"));
        ex.getResponseHeaders().set("Docker-Content-Digest", m.digest().toString());
        ex.getResponseHeaders().set("ETag", "\"" + m.digest() + "\"");
        Exchanges.send(ex, 200, m.mediaType(), m.content());
    }

    private void putManifest(HttpExchange ex, Caller caller, String name, String ref)
            throws IOException, RegistryError {
        if (caller.kind() == Caller.Kind.PEER && !caller.bodySigned()) {
            throw new RegistryError(401, "UNAUTHORIZED", "peer manifest uploads must sign their body");
        }
        byte[] body = Exchanges.readBody(ex, MAX_MANIFEST);
        Digest digest;
        try {
            digest = store.putManifest(name, ref, body, ex.getRequestHeaders().getFirst("Content-Type"));
        } catch (InvalidManifestException e) {
            log.warn("rejected manifest {}:{} from {}: {}", name, ref, caller.name(), e.getMessage());
            throw new RegistryError(400, "MANIFEST_INVALID", e.getMessage());
        } catch (MissingReferencesException e) {
            log.warn("rejected manifest {}:{} from {}: {}", name, ref, caller.name(), e.getMessage());
            store.metrics().rejectedTransfers().increment();
            throw new RegistryError(400, "MANIFEST_BLOB_UNKNOWN", e.getMessage());
        }
        ex.getResponseHeaders().set("Location", "/v2/" + name + "/manifests/" + digest);
        ex.getResponseHeaders().set("Docker-Content-Digest", digest.toString());
        Exchanges.empty(ex, 201);
    }

    private void getBlob(HttpExchange ex, Digest digest) throws IOException, RegistryError {
        Optional<Long> size = store.blobs().size(digest);
        if (size.isEmpty()) {
            throw new RegistryError(404, "BLOB_UNKNOWN", "blob " + digest + " not found");
        }
        long total = size.get();
        Optional<ByteRange> range;
        try {
            range = ByteRange.parse(ex.getRequestHeaders().getFirst("Range"), total);
        } catch (IllegalArgumentException e) {
            ex.getResponseHeaders().set("Content-Range", "bytes */" + total);
            throw new RegistryError(416, "RANGE_INVALID", e.getMessage());
        }
        long start = range.map(ByteRange::start).orElse(0L);
        long length = range.map(ByteRange::length).orElse(total);
        int status = range.isPresent() ? 206 : 200;
        var h = ex.getResponseHeaders();
        h.set("Content-Type", "application/octet-stream");
        h.set("Docker-Content-Digest", digest.toString());
        h.set("Accept-Ranges", "bytes");
        h.set("ETag", "\"" + digest + "\"");
        range.ifPresent(r -> h.set("Content-Range", "bytes " + r.start() + "-" + r.endInclusive() + "/" + total));
        FileChannel ch;
        try {
            ch = FileChannel.open(store.blobs().path(digest), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new RegistryError(404, "BLOB_UNKNOWN", "blob " + digest + " not found");
        }
        try (ch) {
            if ("HEAD".equals(ex.getRequestMethod())) {
                h.set("Content-Length", Long.toString(length));
                ex.sendResponseHeaders(status, -1);
                ex.close();
                return;
            }
            ex.sendResponseHeaders(status, length == 0 ? -1 : length);
            try (OutputStream out = ex.getResponseBody()) {
                copy(ch, start, length, out);
            }
        }
    }

    static void copy(FileChannel ch, long start, long length, OutputStream out) throws IOException {
        byte[] buf = new byte[1 << 20];
        ByteBuffer bb = ByteBuffer.wrap(buf);
        long pos = start;
        long end = start + length;
        while (pos < end) {
            bb.clear();
            bb.limit((int) Math.min(buf.length, end - pos));
            int n = ch.read(bb, pos);
            if (n < 0) {
                throw new IOException("blob shorter than expected");
            }
            out.write(buf, 0, n);
            pos += n;
        }
    }

    private void upload(HttpExchange ex, String name, String id) throws IOException, RegistryError {
        Map<String, String> q = query(ex);
        String method = ex.getRequestMethod();
        if (id.isEmpty()) {
            if (!method.equals("POST")) {
                throw new RegistryError(405, "UNSUPPORTED", method + " on upload start");
            }
            if (q.containsKey("mount")) {
                Digest d = Digest.parse(q.get("mount"));
                if (store.blobs().exists(d)) {
                    Exchanges.drain(ex);
                    blobCreated(ex, name, d);
                    return;
                }
            }
            if (q.containsKey("digest")) {
                Digest d = store.blobs().ingest(ex.getRequestBody(), Digest.parse(q.get("digest")));
                blobCreated(ex, name, d);
                return;
            }
            Exchanges.drain(ex);
            String session = uploads.start();
            uploadAccepted(ex, name, session, 0);
            return;
        }
        switch (method) {
            case "PATCH" -> {
                long start = -1;
                String cr = ex.getRequestHeaders().getFirst("Content-Range");
                if (cr != null && cr.matches("\\d+-\\d+")) {
                    start = Long.parseLong(cr.substring(0, cr.indexOf('-')));
                }
                long size = uploads.append(id, ex.getRequestBody(), start);
                uploadAccepted(ex, name, id, size);
            }
            case "PUT" -> {
                if (!q.containsKey("digest")) {
                    throw new RegistryError(400, "DIGEST_INVALID", "upload completion without ?digest=");
                }
                Digest expected = Digest.parse(q.get("digest"));
                uploads.append(id, ex.getRequestBody(), -1);
                Digest d = uploads.complete(id, expected);
                blobCreated(ex, name, d);
            }
            case "GET" -> {
                long size = uploads.size(id);
                uploadAccepted(ex, name, id, size, 204);
            }
            case "DELETE" -> {
                uploads.cancel(id);
                Exchanges.empty(ex, 204);
            }
            default -> throw new RegistryError(405, "UNSUPPORTED", method + " on upload");
        }
    }

    private void uploadAccepted(HttpExchange ex, String name, String id, long size) throws IOException {
        uploadAccepted(ex, name, id, size, 202);
    }

    private void uploadAccepted(HttpExchange ex, String name, String id, long size, int status) throws IOException {
        var h = ex.getResponseHeaders();
        h.set("Location", "/v2/" + name + "/blobs/uploads/" + id);
        h.set("Docker-Upload-UUID", id);
        h.set("Range", "0-" + Math.max(0, size - 1));
        Exchanges.empty(ex, status);
    }

    private void blobCreated(HttpExchange ex, String name, Digest d) throws IOException {
        ex.getResponseHeaders().set("Location", "/v2/" + name + "/blobs/" + d);
        ex.getResponseHeaders().set("Docker-Content-Digest", d.toString());
        Exchanges.empty(ex, 201);
    }

    static Map<String, String> query(HttpExchange ex) {
        Map<String, String> out = new HashMap<>();
        String raw = ex.getRequestURI().getRawQuery();
        if (raw == null) {
            return out;
        }
        for (String kv : raw.split("&")) {
            int i = kv.indexOf('=');
            String k = URLDecoder.decode(i < 0 ? kv : kv.substring(0, i), StandardCharsets.UTF_8);
            String v = i < 0 ? "" : URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8);
            out.putIfAbsent(k, v);
        }
        return out;
    }
}
