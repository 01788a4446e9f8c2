package io.crifailover.store;

import io.crifailover.oci.Digest;

/** One chunk of a blob: sha256 of its bytes and its length. */
public record ChunkRef(Digest digest, int size) {}
