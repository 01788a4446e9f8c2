package io.crifailover.image;

import io.crifailover.image.archive.ArchiveSummary;
import io.crifailover.image.meta.CheckpointArchiveInfo;
import io.crifailover.oci.Digest;
import java.nio.file.Path;

/**
 * A runtime checkpoint archive after one validating, hashing read ({@link CheckpointImageBuilder#scan}).
 *
 * @param archive        the archive file
 * @param digest         sha256 of the archive's bytes
 * @param size           the archive's bytes
 * @param summary        what the validating read saw
 * @param info           what the archive's own metadata said
 * @param notLayerReason why the archive's bytes cannot be the image's layer as they are (then the layer is
 *                       written anew), or null when they can
 */
public record ScannedArchive(
        Path archive,
        Digest digest,
        long size,
        ArchiveSummary summary,
        CheckpointArchiveInfo info,
        String notLayerReason) {

    /** Whether the archive's bytes can serve as the image's (uncompressed) layer unchanged. */
    public boolean usableAsLayer() {
        return notLayerReason == null;
    }
}
