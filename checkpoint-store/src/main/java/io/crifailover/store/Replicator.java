package io.crifailover.store;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes an image (index or manifest, with everything it references) to a peer store: each blob is offered
 * as a chunk recipe and only the chunks the peer lacks are sent; manifests follow children first, the tag
 * last, so the peer never holds a tag whose content is incomplete. A broken connection is retried from
 * where the peer's partial transfer stopped.
 */
public final class Replicator {
    private static final Logger log = LoggerFactory.getLogger(Replicator.class);
    private final CheckpointStore store;
    private final int maxAttempts;

    public Replicator(CheckpointStore store) {
        this(store, 5);
    }

    public Replicator(CheckpointStore store, int maxAttempts) {
        this.store = store;
        this.maxAttempts = maxAttempts;
    }

    /** Replicates {@code repository:tag}; if {@code containerId} is non-null also appends it to the peer's history. */
    public ReplicationReport push(PeerClient peer, String repository, String tag, String containerId, long sequence)
            throws IOException {
        long t0 = System.nanoTime();
        StoredManifest top = store.manifest(repository, tag)
                .orElseThrow(() -> new IOException("no image " + repository + ":" + tag + " in local store"));
        List<StoredManifest> manifests = new ArrayList<>();
        Set<Digest> blobs = new LinkedHashSet<>();
        collect(repository, top, manifests, blobs, new HashSet<>());
        long logical = 0;
        long wire = 0;
        for (Digest b : blobs) {
            long[] lw = pushBlob(peer, b);
            logical += lw[0];
            wire += lw[1];
        }
        for (StoredManifest m : manifests) {
            String ref = m == top ? tag : m.digest().toString();
            peer.putManifest(repository, ref, m.content(), m.mediaType());
            logical += m.content().length;
            wire += m.content().length;
        }
        if (containerId != null) {
            peer.recordHistory(containerId, sequence, repository, tag);
        }
        long nanos = System.nanoTime() - t0;
        StoreMetrics metrics = store.metrics();
        metrics.logicalBytes().increment(logical);
        metrics.wireBytes().increment(wire);
        metrics.replicationLatency().record(nanos, TimeUnit.NANOSECONDS);
        ReplicationReport r = new ReplicationReport(top.digest(), blobs.size(), logical, wire, nanos);
        log.info("replicated {}:{} ({}) to {}: {} blobs, {} logical bytes, {} sent, {} ms", repository, tag,
                top.digest(), peer.baseUrl(), blobs.size(), logical, wire, nanos / 1_000_000);
        return r;
    }

    /** Post-order: children before the manifest that references them. */
    private void collect(String repo, StoredManifest m, List<StoredManifest> out, Set<Digest> blobs, Set<Digest> seen)
            throws IOException {
        if (!seen.add(m.digest())) {
            return;
        }
        ManifestDocument doc;
        try {
            doc = ManifestDocument.parse(m.content(), m.mediaType());
        } catch (InvalidManifestException e) {
            throw new IOException("local manifest " + m.digest() + " unreadable: " + e.getMessage(), e);
        }
        for (Digest child : doc.childManifests()) {
            StoredManifest c = store.manifest(repo, child.toString())
                    .orElseThrow(() -> new IOException("local index " + m.digest() + " references missing manifest " + child));
            collect(repo, c, out, blobs, seen);
        }
        blobs.addAll(doc.blobs());
        out.add(m);
    }

    /** Returns {logical, wire} bytes. */
    long[] pushBlob(PeerClient peer, Digest blob) throws IOException {
        ChunkRecipe recipe = store.chunks().recipeFor(blob);
        byte[] encoded = recipe.encode();
        long wire = 0;
        IOException last = null;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            try {
                OfferResponse offer = peer.offer(recipe, encoded);
                wire += encoded.length;
                if (offer.present()) {
                    return new long[] {recipe.size(), wire};
                }
                Set<Digest> missing = new HashSet<>(offer.missing());
                List<ChunkRef> send = new ArrayList<>();
                List<Long> offsets = new ArrayList<>();
                long off = 0;
                for (int i = 0; i < recipe.chunks().size(); i++) {
                    ChunkRef c = recipe.chunks().get(i);
                    if (i >= offer.resumeFrom() && missing.remove(c.digest())) {
                        send.add(c);
                        offsets.add(off);
                    }
                    off += c.size();
                }
                wire += peer.sendChunks(blob, store.blobs().path(blob), send, offsets);
                return new long[] {recipe.size(), wire};
            } catch (PeerClient.PeerException e) {
                if (e.rejected()) {
                    throw e;
                }
                last = e;
            } catch (IOException e) {
                last = e;
            }
            log.info("replicating blob {} to {} failed (attempt {}/{}): {}", blob, peer.baseUrl(), attempt, maxAttempts,
                    last.toString());
            if (attempt < maxAttempts) {
                try {
                    Thread.sleep(200L * attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while retrying", ie);
                }
            }
        }
        throw last;
    }
}
