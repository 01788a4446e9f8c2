package io.crifailover.image;

import io.crifailover.image.archive.ArchiveSummary;
import io.crifailover.image.meta.CheckpointArchiveInfo;
import java.util.SortedMap;

/**
 * The result of packing a checkpoint archive.
 *
 * @param manifestDigest digest of the image manifest (what a runtime pulls by digest)
 * @param manifestSize   manifest bytes
 * @param configDigest   digest of the image config (unique per checkpoint)
 * @param layerDigest    digest of the layer blob
 * @param layerDiffId    digest of the uncompressed layer tar
 * @param layerSize      layer blob bytes
 * @param layerMediaType layer media type
 * @param indexDigest    digest of the image index blob, or null when none was emitted
 * @param tag            tag recorded in the layout's index.json
 * @param annotations    manifest annotations
 * @param info           what the archive's own metadata said
 * @param summary        entry count and content size of the archive
 */
public record CheckpointImage(
        String manifestDigest,
        long manifestSize,
        String configDigest,
        String layerDigest,
        String layerDiffId,
        long layerSize,
        String layerMediaType,
        String indexDigest,
        String tag,
        SortedMap<String, String> annotations,
        CheckpointArchiveInfo info,
        ArchiveSummary summary) {

    /** The digest a reference should point to: the index when one was emitted, else the manifest. */
    public String targetDigest() {
        return indexDigest != null ? indexDigest : manifestDigest;
    }
}
