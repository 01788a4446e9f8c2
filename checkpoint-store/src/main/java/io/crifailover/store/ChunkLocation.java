package io.crifailover.store;

import io.crifailover.oci.Digest;

/** Where a chunk's bytes can be read locally: a byte range of a stored blob. */
public record ChunkLocation(Digest blob, long offset, int size) {}
