package io.crifailover.image.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Checks, entry by entry, whether a validated archive may serve as an image layer unchanged: only regular files
 * and directories, and no set-user-ID, set-group-ID or sticky bits (what a written layer would drop anyway).
 * Reads and discards every entry's content.
 */
public final class LayerFitness implements ArchiveEntryHandler {
    private static final int SPECIAL_BITS = 07000;
    private String reason;

    @Override
    public void onEntry(ArchiveEntry entry, InputStream content) throws IOException {
        if (reason == null && entry.isLink()) {
            reason = "link entry '" + entry.name() + "'";
        } else if (reason == null && (entry.mode() & SPECIAL_BITS) != 0) {
            reason = "entry '" + entry.name() + "' has mode " + Integer.toOctalString(entry.mode());
        }
        content.transferTo(OutputStream.nullOutputStream());
    }

    /** Why the archive cannot be a layer as it is, or null when it can. */
    public String reason() {
        return reason;
    }
}
