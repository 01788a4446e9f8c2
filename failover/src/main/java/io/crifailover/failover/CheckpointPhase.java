package io.crifailover.failover;

/** The steps of one checkpoint whose wall time and CPU are accounted separately (see {@link PhaseLedger}). */
public enum CheckpointPhase {
    /** The runtime's {@code CheckpointContainer}: CRIU dump and the runtime writing its archive. */
    RUNTIME_CHECKPOINT,
    /** Reading, validating and hashing the runtime's archive. */
    ARCHIVE_READ,
    /** Building the image's config, manifest and layout around the layer. */
    IMAGE_PACK,
    /** Moving the image into the local store and recording it in the store's history. */
    LOCAL_STORE,
    /** Asking placement for the standbys (or reusing the cached answer). */
    STANDBY_QUERY,
    /** Pushing the image's new chunks to the standbys and waiting for their acknowledgements. */
    REPLICATION,
    /** Recording the checkpoint in placement's catalog, then applying retention. */
    CATALOG;

    /** The phase's name in JSON and metric tags. */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
