package io.crifailover.image;

import io.crifailover.oci.MediaTypes;

/** How the checkpoint layer is stored. */
public enum LayerCompression {
    /** Plain tar: fastest to write, and chunk-level deduplication between checkpoints keeps working. */
    NONE(MediaTypes.LAYER_TAR),
    /** gzip (level 1): smaller blobs for slow links, at a large CPU cost (see README numbers). */
    GZIP(MediaTypes.LAYER_TAR_GZIP);

    private final String mediaType;

    LayerCompression(String mediaType) {
        this.mediaType = mediaType;
    }

    public String mediaType() {
        return mediaType;
    }

    /** The measured default (see README): uncompressed. */
    public static LayerCompression defaultCompression() {
        return NONE;
    }
}
