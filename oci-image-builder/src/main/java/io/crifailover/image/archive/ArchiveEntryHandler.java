package io.crifailover.image.archive;

import java.io.IOException;
import java.io.InputStream;

/** Receives each validated entry of an archive in stream order. */
@FunctionalInterface
public interface ArchiveEntryHandler {

    /**
     * Handles one entry. {@code content} yields exactly {@code entry.size()} bytes for files and must
     * not be closed; the reader drains whatever the handler leaves unread.
     */
    void onEntry(ArchiveEntry entry, InputStream content) throws IOException;
}
