package io.crifailover.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.crifailover.oci.Digest;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Peer-only replication endpoints (HMAC-signed requests):
 * {@code POST /replication/v1/blobs/<digest>/offer[?first=N]} (body: binary recipe or the recipe segment starting at
 * chunk N; answer: {@link OfferResponse} as JSON),
 * {@code POST /replication/v1/blobs/<digest>/chunks} (body: chunk frames; 201 when the blob is published, 202 when
 * more segments are expected),
 * {@code POST /replication/v1/history/<container>} (body: {"sequence","repository","tag"}).
 */
final class ReplicationHandler implements HttpHandler {
    private static final Logger log = LoggerFactory.getLogger(ReplicationHandler.class);
    static final String PREFIX = "/replication/v1/";
    private static final int MAX_OFFER = 64 << 20;

    private final CheckpointStore store;
    private final ReplicationReceiver receiver;
    private final AccessPolicy policy;

    ReplicationHandler(CheckpointStore store, ReplicationReceiver receiver, AccessPolicy policy) {
        this.store = store;
        this.receiver = receiver;
        this.policy = policy;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try {
            Caller caller;
            try {
                caller = policy.identify(ex);
            } catch (AuthenticationException e) {
                log.warn(
                        "refused replication request {} from {}: {}",
                        ex.getRequestURI().getPath(),
                        ex.getRemoteAddress(),
                        e.getMessage());
                throw new RegistryError(401, "UNAUTHORIZED", e.getMessage());
            }
            if (caller.kind() != Caller.Kind.PEER) {
                log.warn(
                        "refused replication request {} from non-peer {}",
                        ex.getRequestURI().getPath(),
                        ex.getRemoteAddress());
                throw new RegistryError(401, "UNAUTHORIZED", "replication requires a peer signature");
            }
            if (!"POST".equals(ex.getRequestMethod())) {
                throw new RegistryError(405, "UNSUPPORTED", ex.getRequestMethod());
            }
            route(ex, caller);
        } catch (RegistryError e) {
            Exchanges.error(ex, e);
        } catch (TransferRejectedException e) {
            Exchanges.error(
                    ex,
                    e.conflict()
                            ? new RegistryError(409, "TRANSFER_CONFLICT", e.getMessage())
                            : new RegistryError(400, "TRANSFER_REJECTED", e.getMessage()));
        } catch (DigestMismatchException e) {
            log.warn("rejected replication request {}: {}", ex.getRequestURI().getPath(), e.getMessage());
            Exchanges.error(
                    ex, new RegistryError(401, "UNAUTHORIZED", "signed body does not match: " + e.getMessage()));
        } catch (IllegalArgumentException e) {
            Exchanges.error(ex, new RegistryError(400, "INVALID", e.getMessage()));
        } catch (IOException e) {
            log.info("replication request {} broken off: {}", ex.getRequestURI().getPath(), e.toString());
            ex.close();
        }
    }

    private void route(HttpExchange ex, Caller caller) throws IOException, RegistryError, TransferRejectedException {
        String rest = ex.getRequestURI().getRawPath().substring(PREFIX.length());
        String[] parts = rest.split("/");
        if (parts.length == 3 && parts[0].equals("blobs") && parts[2].equals("offer")) {
            requireSigned(caller);
            Digest blob = Digest.parse(parts[1]);
            ChunkRecipe recipe;
            try {
                recipe = ChunkRecipe.decode(Exchanges.readBody(ex, MAX_OFFER));
            } catch (DigestMismatchException e) {
                throw e;
            } catch (IOException e) {
                throw new RegistryError(400, "INVALID", "bad offer: " + e.getMessage());
            }
            OfferResponse r =
                    receiver.offer(blob, recipe, firstChunk(ex.getRequestURI().getRawQuery()));
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("present", r.present());
            body.put("resumeFrom", r.resumeFrom());
            body.put("missing", r.missing().stream().map(Digest::hex).toList());
            Exchanges.json(ex, 200, body);
        } else if (parts.length == 3 && parts[0].equals("blobs") && parts[2].equals("chunks")) {
            Digest blob = Digest.parse(parts[1]);
            boolean published = receiver.receive(blob, ex.getRequestBody());
            Exchanges.empty(ex, published ? 201 : 202);
        } else if (parts.length == 2 && parts[0].equals("history")) {
            requireSigned(caller);
            JsonNode n = Exchanges.JSON.readTree(Exchanges.readBody(ex, 1 << 16));
            CheckpointRecord r = store.recordCheckpoint(
                    Names.containerId(parts[1]),
                    n.path("sequence").asLong(-1),
                    n.path("repository").asText(),
                    n.path("tag").asText());
            Exchanges.json(ex, 200, r);
        } else {
            throw new RegistryError(404, "NOT_FOUND", "no such replication endpoint " + rest);
        }
    }

    /** {@code first=<chunk index>} of a segmented offer; 0 (a whole recipe or its first segment) if absent. */
    private static int firstChunk(String query) throws RegistryError {
        if (query == null || query.isEmpty()) {
            return 0;
        }
        if (!query.matches("first=\\d{1,9}")) {
            throw new RegistryError(400, "INVALID", "bad offer query '" + query + "' (expected first=<chunk index>)");
        }
        return Integer.parseInt(query.substring("first=".length()));
    }

    private static void requireSigned(Caller caller) throws RegistryError {
        if (!caller.bodySigned()) {
            throw new RegistryError(401, "UNAUTHORIZED", "this endpoint requires a signed body");
        }
    }
}
