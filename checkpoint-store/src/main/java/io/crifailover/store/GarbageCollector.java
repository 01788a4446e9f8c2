package io.crifailover.store;

import io.crifailover.oci.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mark and sweep. Roots: every tag, every checkpoint in a history, every pinned image, and every manifest
 * record younger than the grace period (a push in progress uploads blobs and child manifests before its tag).
 * Everything reachable from a root is kept; unreachable blobs older than the grace period are deleted.
 * Runs under the store's exclusive lock, so no manifest PUT or blob publish interleaves with it.
 */
final class GarbageCollector {
    private static final Logger log = LoggerFactory.getLogger(GarbageCollector.class);
    private final CheckpointStore store;

    GarbageCollector(CheckpointStore store) {
        this.store = store;
    }

    GcReport run(Duration grace) throws IOException {
        Instant cutoff = Instant.now().minus(grace);
        Set<Digest> roots = new HashSet<>(store.pins().pinned());
        for (Map<String, Digest> tags : store.repositories().allTags().values()) {
            roots.addAll(tags.values());
        }
        for (String c : store.containers()) {
            for (CheckpointRecord r : store.history(c)) {
                roots.add(r.digest());
            }
        }
        Map<String, Map<Digest, Instant>> records = store.repositories().allManifests();
        for (Map<Digest, Instant> m : records.values()) {
            m.forEach((d, t) -> {
                if (t.isAfter(cutoff)) {
                    roots.add(d);
                }
            });
        }
        Set<Digest> marked = mark(roots);
        int removedRecords = 0;
        for (Map.Entry<String, Map<Digest, Instant>> e : records.entrySet()) {
            for (Digest d : e.getValue().keySet()) {
                if (!marked.contains(d)) {
                    store.repositories().removeManifest(e.getKey(), d);
                    removedRecords++;
                }
            }
        }
        List<Digest> deleted = new ArrayList<>();
        long bytes = 0;
        int kept = 0;
        for (Digest b : store.blobs().list()) {
            if (marked.contains(b)) {
                kept++;
                continue;
            }
            try {
                if (Files.getLastModifiedTime(store.blobs().path(b)).toInstant().isAfter(cutoff)) {
                    kept++;
                    continue;
                }
                long size = Files.size(store.blobs().path(b));
                if (store.blobs().delete(b)) {
                    deleted.add(b);
                    bytes += size;
                }
            } catch (NoSuchFileException ignored) {
                // already gone
            }
        }
        store.chunks().remove(deleted);
        if (!deleted.isEmpty() || removedRecords > 0) {
            log.info(
                    "gc: deleted {} blobs ({} bytes) and {} untagged manifest records, kept {} blobs",
                    deleted.size(),
                    bytes,
                    removedRecords,
                    kept);
        }
        return new GcReport(List.copyOf(deleted), bytes, removedRecords, kept);
    }

    private Set<Digest> mark(Set<Digest> roots) throws IOException {
        Set<Digest> marked = new HashSet<>();
        Deque<Digest> todo = new ArrayDeque<>(roots);
        while (!todo.isEmpty()) {
            Digest d = todo.pop();
            if (!marked.add(d) || !store.blobs().exists(d)) {
                continue;
            }
            byte[] content;
            try {
                content = store.blobs().read(d);
            } catch (NoSuchFileException e) {
                continue;
            }
            try {
                ManifestDocument doc = ManifestDocument.parse(content, null);
                marked.addAll(doc.blobs());
                todo.addAll(doc.childManifests());
            } catch (InvalidManifestException e) {
                log.warn("gc: root {} is not a parsable manifest ({}); keeping it and nothing else", d, e.getMessage());
            }
        }
        return marked;
    }
}
