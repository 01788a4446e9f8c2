package io.crifailover.store;

import io.crifailover.oci.Digest;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
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
        log.info(
                "replicated {}:{} ({}) to {}: {} blobs, {} logical bytes, {} sent, {} ms",
                repository,
                tag,
                top.digest(),
                peer.baseUrl(),
                blobs.size(),
                logical,
                wire,
                nanos / 1_000_000);
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
                    .orElseThrow(() ->
                            new IOException("local index " + m.digest() + " references missing manifest " + child));
            collect(repo, c, out, blobs, seen);
        }
        blobs.addAll(doc.blobs());
        out.add(m);
    }

    /**
     * Pushes one blob; returns {logical, wire} bytes. A blob whose recipe is already known is offered whole;
     * otherwise it is chunked on a background thread while earlier segments are offered and sent.
     */
    long[] pushBlob(PeerClient peer, Digest blob) throws IOException {
        IOException last = null;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            try {
                return pushOnce(peer, blob);
            } catch (PeerClient.PeerException e) {
                if (e.rejected()) {
                    throw e;
                }
                last = e;
            } catch (IOException e) {
                last = e;
            }
            log.info(
                    "replicating blob {} to {} failed (attempt {}/{}): {}",
                    blob,
                    peer.baseUrl(),
                    attempt,
                    maxAttempts,
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

    private long[] pushOnce(PeerClient peer, Digest blob) throws IOException {
        Path file = store.blobs().path(blob);
        Optional<ChunkRecipe> known = store.chunks().storedRecipe(blob);
        if (known.isPresent()) {
            ChunkRecipe r = known.get();
            List<Long> offsets = new ArrayList<>(r.chunks().size());
            long off = 0;
            for (ChunkRef c : r.chunks()) {
                offsets.add(off);
                off += c.size();
            }
            SegmentPush sent = pushSegment(peer, r, new RecipeSegmenter.Segment(0, r.chunks(), offsets), file);
            return new long[] {r.size(), sent.wireBytes()};
        }
        long size = store.blobs().size(blob).orElseThrow(() -> new NoSuchFileException("blob not in store: " + blob));
        ChunkParams params = store.chunks().params();
        long wire = 0;
        try (RecipeSegmenter segments = new RecipeSegmenter(file, params)) {
            RecipeSegmenter.Segment s;
            while ((s = segments.next()) != null) {
                SegmentPush sent = pushSegment(peer, new ChunkRecipe(blob, size, params, s.chunks()), s, file);
                wire += sent.wireBytes();
                if (sent.peerHadBlob()) {
                    return new long[] {size, wire};
                }
            }
            store.chunks().add(segments.recipe(blob, size, params));
        }
        return new long[] {size, wire};
    }

    private record SegmentPush(long wireBytes, boolean peerHadBlob) {}

    /** Offers one segment and sends what the peer lacks. */
    private static SegmentPush pushSegment(PeerClient peer, ChunkRecipe part, RecipeSegmenter.Segment s, Path file)
            throws IOException {
        byte[] encoded = part.encode();
        long t0 = System.nanoTime();
        OfferResponse offer = peer.offer(part, encoded, s.first());
        long t1 = System.nanoTime();
        if (offer.present()) {
            return new SegmentPush(encoded.length, true);
        }
        Set<Digest> missing = new HashSet<>(offer.missing());
        List<ChunkRef> send = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        for (int j = 0; j < s.chunks().size(); j++) {
            ChunkRef c = s.chunks().get(j);
            if (s.first() + j >= offer.resumeFrom() && missing.remove(c.digest())) {
                send.add(c);
                offsets.add(s.offsets().get(j));
            }
        }
        long sent = peer.sendChunks(part.blob(), file, send, offsets);
        log.debug(
                "blob {} segment from chunk {} ({} chunks): offer {} ms, {} chunks sent in {} ms",
                part.blob(),
                s.first(),
                s.chunks().size(),
                (t1 - t0) / 1_000_000,
                send.size(),
                (System.nanoTime() - t1) / 1_000_000);
        return new SegmentPush(encoded.length + sent, false);
    }
}
