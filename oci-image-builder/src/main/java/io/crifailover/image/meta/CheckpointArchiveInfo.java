package io.crifailover.image.meta;

import java.time.Instant;

/**
 * What the builder learned from a checkpoint archive's own metadata files.
 *
 * @param flavour         runtime that wrote the archive
 * @param identity        container and pod identity
 * @param checkpointedAt  time the runtime recorded for the checkpoint, or null
 * @param criuVersion     CRIU version from {@code dump.log}, or null
 * @param stats           CRIU dump statistics from {@code stats-dump}, or null when absent
 */
public record CheckpointArchiveInfo(
        RuntimeFlavour flavour,
        ContainerIdentity identity,
        Instant checkpointedAt,
        String criuVersion,
        CriuDumpStats stats) {}
