package io.crifailover.store;

import io.crifailover.oci.Digest;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * In-memory state of one blob being received: the recipe offered so far (it may arrive in segments), where
 * each chunk starts, the first occurrence of each chunk digest, and how much of the partial file is assembled
 * and verified together with the running sha256 of exactly that prefix.
 */
final class IncomingTransfer {
    final Digest blob;
    final long size;
    final ChunkParams params;
    final Path dir;
    private final List<ChunkRef> chunks = new ArrayList<>();
    private final Map<Digest, Integer> firstIndex = new HashMap<>();
    private long[] offsets = new long[1024];
    private long recipeBytes;
    int assembled;
    long assembledBytes;
    final MessageDigest whole = Digest.newSha256();

    IncomingTransfer(Digest blob, long size, ChunkParams params, Path dir) {
        this.blob = blob;
        this.size = size;
        this.params = params;
        this.dir = dir;
    }

    Path partial() {
        return dir.resolve("partial");
    }

    boolean sameBlobAs(ChunkRecipe r) {
        return r.blob().equals(blob) && r.size() == size && r.params().equals(params);
    }

    void append(ChunkRef c) {
        int i = chunks.size();
        if (i == offsets.length) {
            offsets = Arrays.copyOf(offsets, i * 2);
        }
        offsets[i] = recipeBytes;
        chunks.add(c);
        firstIndex.putIfAbsent(c.digest(), i);
        recipeBytes += c.size();
    }

    int chunkCount() {
        return chunks.size();
    }

    ChunkRef chunk(int i) {
        return chunks.get(i);
    }

    long offset(int i) {
        return offsets[i];
    }

    long recipeBytes() {
        return recipeBytes;
    }

    /** Index of the first chunk with this digest, or -1. */
    int firstIndexOf(Digest d) {
        return firstIndex.getOrDefault(d, -1);
    }

    /** The whole recipe is known once the chunks add up to the blob size. */
    boolean recipeComplete() {
        return recipeBytes == size;
    }

    ChunkRecipe recipe() {
        return new ChunkRecipe(blob, size, params, List.copyOf(chunks));
    }
}
