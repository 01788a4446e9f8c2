package io.crifailover.image;

import io.crifailover.image.archive.ArchiveSummary;

/**
 * The result of turning a checkpoint image back into an archive.
 *
 * @param image   the image that was read
 * @param summary entries and content bytes written
 */
public record ExtractedCheckpoint(ResolvedCheckpointImage image, ArchiveSummary summary) {}
