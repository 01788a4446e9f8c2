package io.crifailover.store;

import io.crifailover.oci.Digest;

/** A manifest or index as served: its digest, media type and exact bytes. */
public record StoredManifest(Digest digest, String mediaType, byte[] content) {}
