package io.crifailover.store;

/** One chunk of a blob: sha256 of its bytes and its length. */
public record ChunkRef(Digest digest, int size) {}
