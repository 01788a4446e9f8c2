package io.crifailover.image.archive;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Streams a checkpoint archive (plain tar or gzip-compressed tar; PAX and GNU long names) entry by
 * entry, validating every header before its content is handed out, and the archive as a whole at
 * the end (end-of-archive marker, gzip trailer, required entries). Memory use does not depend on
 * the archive size.
 */
public final class CheckpointArchiveReader {

    private static final int TAR_BLOCK = 512;
    private static final int BUFFER = 1 << 20;

    private final ArchiveLimits limits;
    private final boolean requireCheckpointEntries;

    /** A reader for runtime checkpoint archives: the required checkpoint entries must be present. */
    public CheckpointArchiveReader(ArchiveLimits limits) {
        this(limits, true);
    }

    /**
     * @param requireCheckpointEntries false to validate any tar with the same rules (e.g. a layer
     *                                 whose required entries are checked elsewhere)
     */
    public CheckpointArchiveReader(ArchiveLimits limits, boolean requireCheckpointEntries) {
        this.limits = limits;
        this.requireCheckpointEntries = requireCheckpointEntries;
    }

    /** Reads {@code archive}, calling {@code handler} for each valid entry in stream order. */
    public ArchiveSummary read(Path archive, ArchiveEntryHandler handler) throws IOException {
        long fileSize = Files.size(archive);
        if (fileSize == 0) {
            throw new InvalidArchiveException(null, ArchiveRule.EMPTY_ARCHIVE, archive + " has 0 bytes");
        }
        try (InputStream file = Files.newInputStream(archive)) {
            return read(file, fileSize, handler);
        }
    }

    /**
     * Reads an archive from a stream.
     *
     * @param knownSize the stream's length in bytes if known (enables the early
     *                  {@link ArchiveRule#SIZE_BEYOND_END} check for plain tar), else -1
     */
    public ArchiveSummary read(InputStream source, long knownSize, ArchiveEntryHandler handler) throws IOException {
        // Own buffer: the compression sniffing marks and resets here, never in the caller's stream
        // (which may be counting or digesting).
        InputStream in = new BufferedInputStream(source, BUFFER);
        Compression compression = Compression.sniff(in);
        if (compression == Compression.EMPTY) {
            throw new InvalidArchiveException(null, ArchiveRule.EMPTY_ARCHIVE, "no bytes");
        }
        if (compression.unsupported()) {
            throw new InvalidArchiveException(
                    null,
                    ArchiveRule.UNSUPPORTED_COMPRESSION,
                    compression.name().toLowerCase() + " archives are not supported");
        }
        boolean gzip = compression == Compression.GZIP;
        InputStream decoded = gzip ? openGzip(in) : in;
        GuardedSourceStream guarded = new GuardedSourceStream(decoded, gzip);
        long plainSize = gzip ? -1 : knownSize;
        TarArchiveInputStream tar = new TarArchiveInputStream(guarded, StandardCharsets.UTF_8.name());
        EntryValidator validator = new EntryValidator(limits);

        String previous = null;
        long endOfLastData = 0;
        long lastSize = 0;
        long count = 0;
        while (true) {
            guarded.currentEntry(previous == null ? null : previous);
            TarArchiveEntry tarEntry = nextEntry(tar, previous);
            if (tarEntry == null) {
                checkEndMarker(guarded.count() - endOfLastData, lastSize, previous);
                break;
            }
            guarded.currentEntry(tarEntry.getName());
            ArchiveEntry entry = validator.validate(tarEntry);
            long size = entry == null ? 0 : entry.size();
            if (plainSize >= 0 && guarded.count() + size > plainSize) {
                throw new InvalidArchiveException(
                        tarEntry.getName(),
                        ArchiveRule.SIZE_BEYOND_END,
                        "declares " + size + " bytes but only " + (plainSize - guarded.count())
                                + " bytes follow its header");
            }
            if (entry != null) {
                EntryContentStream content = new EntryContentStream(tar, tarEntry.getName(), size);
                handler.onEntry(entry, content);
                content.drain();
                count++;
            }
            previous = tarEntry.getName();
            endOfLastData = guarded.count();
            lastSize = size;
        }
        if (gzip) {
            drainGzipTrailer(guarded);
        }
        if (requireCheckpointEntries) {
            validator.checkRequiredEntries();
        }
        return new ArchiveSummary(count, validator.totalSize(), gzip);
    }

    private static InputStream openGzip(InputStream in) throws IOException {
        try {
            return new GzipCompressorInputStream(in, true);
        } catch (IOException e) {
            throw new InvalidArchiveException(null, ArchiveRule.CORRUPT, "bad gzip header: " + e.getMessage(), e);
        }
    }

    private static TarArchiveEntry nextEntry(TarArchiveInputStream tar, String previous) throws IOException {
        try {
            return tar.getNextEntry();
        } catch (InvalidArchiveException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            String where = previous == null ? "the first header" : "the header after '" + previous + "'";
            throw new InvalidArchiveException(
                    null, ArchiveRule.CORRUPT, "cannot parse " + where + ": " + e.getMessage(), e);
        }
    }

    /**
     * After the last entry a tar has its data padded to a block and at least one zero block; a
     * stream that stops earlier was cut off (possibly exactly at an entry boundary).
     */
    private static void checkEndMarker(long consumedAfterData, long lastSize, String previous)
            throws InvalidArchiveException {
        long padding = (TAR_BLOCK - lastSize % TAR_BLOCK) % TAR_BLOCK;
        if (consumedAfterData < padding + TAR_BLOCK) {
            throw new InvalidArchiveException(
                    previous,
                    ArchiveRule.TRUNCATED,
                    previous == null ? "no complete tar header" : "no end-of-archive marker after this entry");
        }
    }

    private static void drainGzipTrailer(InputStream guarded) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        while (guarded.read(buffer) >= 0) {
            // verify the rest of the gzip stream (CRC and length trailer)
        }
    }

    /** Archive encodings recognised by their first bytes. */
    private enum Compression {
        EMPTY,
        PLAIN,
        GZIP,
        ZSTD,
        BZIP2,
        XZ;

        boolean unsupported() {
            return this == ZSTD || this == BZIP2 || this == XZ;
        }

        static Compression sniff(InputStream in) throws IOException {
            in.mark(8);
            byte[] head = new byte[6];
            int n = in.readNBytes(head, 0, head.length);
            in.reset();
            if (n == 0) {
                return EMPTY;
            }
            if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
                return GZIP;
            }
            if (n >= 4
                    && (head[0] & 0xff) == 0x28
                    && (head[1] & 0xff) == 0xb5
                    && (head[2] & 0xff) == 0x2f
                    && (head[3] & 0xff) == 0xfd) {
                return ZSTD;
            }
            if (n >= 3 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h') {
                return BZIP2;
            }
            if (n >= 6
                    && (head[0] & 0xff) == 0xfd
                    && head[1] == '7'
                    && head[2] == 'z'
                    && head[3] == 'X'
                    && head[4] == 'Z'
                    && head[5] == 0) {
                return XZ;
            }
            return PLAIN;
        }
    }
}
