package io.crifailover.image.meta;

/**
 * CRIU's own dump statistics ({@code stats-dump}, stats.proto {@code dump_stats_entry}); times in
 * microseconds. This is what a checkpoint cost the application.
 */
public record CriuDumpStats(
        long freezingTimeUs,
        long frozenTimeUs,
        long memdumpTimeUs,
        long memwriteTimeUs,
        long pagesScanned,
        long pagesSkippedParent,
        long pagesWritten,
        long pagesLazy) {}
