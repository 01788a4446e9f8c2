package io.crifailover.image.meta;

import io.crifailover.protos.criu.CriuStats;
import java.io.IOException;

/** Decodes CRIU's {@code stats-dump} image into {@link CriuDumpStats}. */
public final class StatsDumpParser {

    private StatsDumpParser() {}

    /** Parses the bytes of a {@code stats-dump} file. */
    public static CriuDumpStats parse(byte[] bytes) throws IOException {
        CriuImageFile image = CriuImageFile.parse("stats-dump", bytes);
        if (image.magic() != CriuImageFile.STATS_MAGIC) {
            throw new IOException(String.format(
                    "stats-dump: image magic 0x%08x is not the stats magic 0x%08x",
                    image.magic(), CriuImageFile.STATS_MAGIC));
        }
        if (image.entries().isEmpty()) {
            throw new IOException("stats-dump: no stats entry");
        }
        CriuStats.stats_entry entry =
                CriuStats.stats_entry.parseFrom(image.entries().get(0));
        if (!entry.hasDump()) {
            throw new IOException("stats-dump: the stats entry has no dump statistics");
        }
        CriuStats.dump_stats_entry d = entry.getDump();
        return new CriuDumpStats(
                Integer.toUnsignedLong(d.getFreezingTime()),
                Integer.toUnsignedLong(d.getFrozenTime()),
                Integer.toUnsignedLong(d.getMemdumpTime()),
                Integer.toUnsignedLong(d.getMemwriteTime()),
                d.getPagesScanned(),
                d.getPagesSkippedParent(),
                d.getPagesWritten(),
                d.getPagesLazy());
    }
}
