package io.crifailover.image.meta;

import io.crifailover.image.archive.ArchiveEntry;
import io.crifailover.image.archive.ArchiveEntryHandler;
import io.crifailover.image.archive.ArchiveRule;
import io.crifailover.image.archive.InvalidArchiveException;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Captures the small metadata files of a checkpoint archive while the archive streams by to another
 * handler (bounded by a size limit), and remembers which runtime-specific files were present.
 */
public final class MetadataCollector {

    static final String CONFIG_DUMP = "config.dump";
    static final String SPEC_DUMP = "spec.dump";
    static final String STATS_DUMP = "stats-dump";
    static final String DUMP_LOG = "dump.log";

    private static final Set<String> KEPT = Set.of(CONFIG_DUMP, SPEC_DUMP, STATS_DUMP);
    private static final int DUMP_LOG_HEAD = 4096;

    private final int maxMetadataSize;
    private final Map<String, byte[]> files = new HashMap<>();
    private final Set<String> topLevelNames = new HashSet<>();

    public MetadataCollector(int maxMetadataSize) {
        this.maxMetadataSize = maxMetadataSize;
    }

    /** A handler that only collects (content not needed elsewhere). */
    public ArchiveEntryHandler alone() {
        return teeTo((entry, content) -> content.transferTo(OutputStream.nullOutputStream()));
    }

    /** A handler that passes every entry on to {@code downstream} and captures what it reads of metadata files. */
    public ArchiveEntryHandler teeTo(ArchiveEntryHandler downstream) {
        return (entry, content) -> {
            if (!entry.name().contains("/")) {
                topLevelNames.add(entry.name());
            }
            int capture = captureLimit(entry);
            if (capture == 0) {
                downstream.onEntry(entry, content);
                return;
            }
            CapturingStream tee = new CapturingStream(content, capture);
            downstream.onEntry(entry, tee);
            files.put(entry.name(), tee.captured());
        };
    }

    /** The collected content of {@code name}, or null. */
    public byte[] file(String name) {
        return files.get(name);
    }

    /** Whether the archive had a top-level entry called {@code name}. */
    public boolean hasTopLevel(String name) {
        return topLevelNames.contains(name);
    }

    private int captureLimit(ArchiveEntry entry) throws InvalidArchiveException {
        if (!entry.isFile()) {
            return 0;
        }
        if (KEPT.contains(entry.name())) {
            if (entry.size() > maxMetadataSize) {
                throw new InvalidArchiveException(
                        entry.rawName(),
                        ArchiveRule.ENTRY_TOO_LARGE,
                        "metadata file of " + entry.size() + " bytes, limit " + maxMetadataSize);
            }
            return (int) Math.max(1, entry.size());
        }
        return entry.name().equals(DUMP_LOG) ? DUMP_LOG_HEAD : 0;
    }

    /** Passes bytes through and keeps the first {@code limit} of them. */
    private static final class CapturingStream extends FilterInputStream {
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private final int limit;

        CapturingStream(InputStream in, int limit) {
            super(in);
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0 && kept.size() < limit) {
                kept.write(b);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0 && kept.size() < limit) {
                kept.write(b, off, Math.min(n, limit - kept.size()));
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] discard = new byte[(int) Math.min(n, 8192)];
            int read = read(discard, 0, discard.length);
            return Math.max(read, 0);
        }

        byte[] captured() {
            return kept.toByteArray();
        }

        @Override
        public void close() {
            // owned by the archive reader
        }
    }
}
