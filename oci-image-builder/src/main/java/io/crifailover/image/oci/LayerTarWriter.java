package io.crifailover.image.oci;

import io.crifailover.image.archive.ArchiveEntry;
import io.crifailover.image.archive.ArchiveEntryHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.util.HashSet;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes validated archive entries as a reproducible tar: regular files and directories only,
 * missing parent directories added, mtime 0, uid/gid 0, no user/group names, files 0600 and
 * directories 0700, POSIX (PAX) headers for long names and large sizes. Links are left out (a
 * checkpoint layer may hold only files and directories) and counted.
 */
public final class LayerTarWriter implements ArchiveEntryHandler, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LayerTarWriter.class);
    private static final FileTime EPOCH = FileTime.fromMillis(0);
    private static final int FILE_MODE = TarArchiveEntry.DEFAULT_FILE_MODE & ~0777 | 0600;
    private static final int DIR_MODE = TarArchiveEntry.DEFAULT_DIR_MODE & ~0777 | 0700;
    private static final int COPY_BUFFER = 1 << 20;

    private final TarArchiveOutputStream tar;
    private final Set<String> directories = new HashSet<>();
    private final byte[] buffer = new byte[COPY_BUFFER];
    private long skippedLinks;

    public LayerTarWriter(OutputStream out) {
        this.tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
    }

    @Override
    public void onEntry(ArchiveEntry entry, InputStream content) throws IOException {
        switch (entry.type()) {
            case DIRECTORY -> addDirectory(entry.name());
            case FILE -> addFile(entry.name(), entry.size(), content);
            default -> {
                skippedLinks++;
                LOG.warn(
                        "leaving link '{}' -> '{}' out of the layer (files and directories only)",
                        entry.name(),
                        entry.linkTarget());
            }
        }
    }

    /** Adds a directory (and its missing parents) once. */
    public void addDirectory(String name) throws IOException {
        if (directories.contains(name)) {
            return;
        }
        addParents(name);
        TarArchiveEntry e = new TarArchiveEntry(name + "/");
        normalize(e, DIR_MODE);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
        directories.add(name);
    }

    /** Adds a regular file of exactly {@code size} bytes read from {@code content}. */
    public void addFile(String name, long size, InputStream content) throws IOException {
        addParents(name);
        TarArchiveEntry e = new TarArchiveEntry(name);
        normalize(e, FILE_MODE);
        e.setSize(size);
        tar.putArchiveEntry(e);
        long remaining = size;
        while (remaining > 0) {
            int n = content.read(buffer, 0, (int) Math.min(buffer.length, remaining));
            if (n < 0) {
                throw new IOException("content of '" + name + "' ended " + remaining + " bytes early");
            }
            tar.write(buffer, 0, n);
            remaining -= n;
        }
        tar.closeArchiveEntry();
    }

    /** Links seen and left out. */
    public long skippedLinks() {
        return skippedLinks;
    }

    /** Writes the end-of-archive marker; does not close the underlying stream's owner chain early. */
    public void finish() throws IOException {
        tar.finish();
    }

    @Override
    public void close() throws IOException {
        tar.close();
    }

    private void addParents(String name) throws IOException {
        int slash = name.lastIndexOf('/');
        if (slash > 0) {
            addDirectory(name.substring(0, slash));
        }
    }

    private static void normalize(TarArchiveEntry e, int mode) {
        e.setMode(mode);
        e.setModTime(EPOCH);
        e.setUserId(0);
        e.setGroupId(0);
        e.setUserName("");
        e.setGroupName("");
    }
}
