package io.crifailover.store;

import io.crifailover.oci.Digest;
import io.crifailover.oci.SecureFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chunks this node already holds, as ranges of stored blobs. Recipes are persisted in
 * {@code chunks/recipes/<blob hex>} and indexed in memory (chunk digest -> location) on open.
 * A chunk therefore costs no extra disk space: it lives inside the blob it came from.
 */
public final class ChunkIndex {
    private static final Logger log = LoggerFactory.getLogger(ChunkIndex.class);
    private final Path dir;
    private final BlobStore blobs;
    private final ChunkParams params;
    private final Map<Digest, ChunkLocation> locations = new HashMap<>();

    ChunkIndex(Path storeRoot, BlobStore blobs, ChunkParams params) throws IOException {
        this.dir =
                SecureFiles.ensurePrivateDirectory(storeRoot.resolve("chunks").resolve("recipes"));
        this.blobs = blobs;
        this.params = params;
        load();
    }

    public ChunkParams params() {
        return params;
    }

    private synchronized void load() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith(".")) {
                    continue;
                }
                try {
                    ChunkRecipe r = ChunkRecipe.decode(Files.readAllBytes(p));
                    if (blobs.exists(r.blob()) && r.params().equals(params)) {
                        index(r);
                    } else {
                        Files.deleteIfExists(p);
                    }
                } catch (IOException e) {
                    log.warn("dropping unreadable chunk recipe {}: {}", name, e.getMessage());
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private synchronized void index(ChunkRecipe r) {
        long off = 0;
        for (ChunkRef c : r.chunks()) {
            locations.putIfAbsent(c.digest(), new ChunkLocation(r.blob(), off, c.size()));
            off += c.size();
        }
    }

    /** Records a recipe for a stored blob, making its chunks available for deduplication. */
    public void add(ChunkRecipe recipe) throws IOException {
        if (!recipe.params().equals(params)) {
            return;
        }
        SecureFiles.writeAtomically(dir.resolve(recipe.blob().hex()), recipe.encode());
        index(recipe);
    }

    /** The remembered recipe of a stored blob, if it was chunked before (with this index's parameters). */
    public Optional<ChunkRecipe> storedRecipe(Digest blob) throws IOException {
        try {
            ChunkRecipe r = ChunkRecipe.decode(Files.readAllBytes(dir.resolve(blob.hex())));
            return r.params().equals(params) && r.blob().equals(blob) ? Optional.of(r) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** The recipe of a stored blob, computed (and remembered) on first use. */
    public ChunkRecipe recipeFor(Digest blob) throws IOException {
        Path f = dir.resolve(blob.hex());
        try {
            ChunkRecipe r = ChunkRecipe.decode(Files.readAllBytes(f));
            if (r.params().equals(params)) {
                return r;
            }
        } catch (NoSuchFileException ignored) {
            // compute below
        }
        if (!blobs.exists(blob)) {
            throw new NoSuchFileException("blob not in store: " + blob);
        }
        ChunkRecipe r = ChunkRecipe.compute(blobs.path(blob), params);
        if (!r.blob().equals(blob)) {
            throw new DigestMismatchException(blob, r.blob());
        }
        add(r);
        return r;
    }

    /** A local location of the chunk, if a stored blob contains it. */
    public synchronized Optional<ChunkLocation> locate(Digest chunk) {
        ChunkLocation l = locations.get(chunk);
        if (l != null && !blobs.exists(l.blob())) {
            locations.values().removeIf(v -> v.blob().equals(l.blob()));
            return Optional.empty();
        }
        return Optional.ofNullable(l);
    }

    /** Forgets deleted blobs and re-indexes the remaining recipes (a chunk may live on in another blob). */
    synchronized void remove(java.util.Collection<Digest> deleted) throws IOException {
        if (deleted.isEmpty()) {
            return;
        }
        for (Digest blob : deleted) {
            Files.deleteIfExists(dir.resolve(blob.hex()));
        }
        locations.clear();
        load();
    }

    public synchronized int size() {
        return locations.size();
    }
}
