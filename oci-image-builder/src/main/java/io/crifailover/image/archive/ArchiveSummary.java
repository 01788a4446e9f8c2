package io.crifailover.image.archive;

/**
 * What a full validating read of an archive saw.
 *
 * @param entries        number of entries (after validation)
 * @param contentBytes   sum of regular-file sizes
 * @param compressed     whether the archive was gzip-compressed
 */
public record ArchiveSummary(long entries, long contentBytes, boolean compressed) {}
