package io.crifailover.image.archive;

/**
 * Upper bounds applied while reading an untrusted checkpoint archive.
 *
 * @param maxEntries       most entries accepted
 * @param maxEntrySize     largest single entry, bytes
 * @param maxTotalSize     largest sum of entry sizes, bytes
 * @param maxMetadataSize  largest metadata file kept in memory (config.dump, spec.dump, stats-dump, ...)
 * @param maxNameLength    longest entry name, bytes of UTF-8
 */
public record ArchiveLimits(
        long maxEntries, long maxEntrySize, long maxTotalSize, int maxMetadataSize, int maxNameLength) {

    private static final long GIB = 1024L * 1024 * 1024;

    /** Limits for real checkpoints: 100k entries, 64 GiB per entry, 128 GiB total, 16 MiB metadata. */
    public static ArchiveLimits defaults() {
        return new ArchiveLimits(100_000, 64 * GIB, 128 * GIB, 16 * 1024 * 1024, 4096);
    }

    public ArchiveLimits {
        if (maxEntries <= 0 || maxEntrySize <= 0 || maxTotalSize <= 0 || maxMetadataSize <= 0 || maxNameLength <= 0) {
            throw new IllegalArgumentException("archive limits must be positive");
        }
    }

    public ArchiveLimits withMaxEntrySize(long bytes) {
        return new ArchiveLimits(maxEntries, bytes, maxTotalSize, maxMetadataSize, maxNameLength);
    }

    public ArchiveLimits withMaxTotalSize(long bytes) {
        return new ArchiveLimits(maxEntries, maxEntrySize, bytes, maxMetadataSize, maxNameLength);
    }

    public ArchiveLimits withMaxEntries(long count) {
        return new ArchiveLimits(count, maxEntrySize, maxTotalSize, maxMetadataSize, maxNameLength);
    }
}
