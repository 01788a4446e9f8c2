package io.crifailover.image.oci;

import io.crifailover.oci.Digest;
import io.crifailover.oci.ImageIndex;
import io.crifailover.oci.OciJson;
import io.crifailover.oci.OciLayoutMarker;
import io.crifailover.oci.OciLayoutPaths;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/** {@link OciImageSource} over an oci-archive tar, read with random access (no extraction). */
final class ArchiveImageSource implements OciImageSource {

    private final Path path;
    private final TarFile tar;
    private final Map<String, TarArchiveEntry> entries = new HashMap<>();

    private ArchiveImageSource(Path path, TarFile tar) {
        this.path = path;
        this.tar = tar;
        for (TarArchiveEntry e : tar.getEntries()) {
            String name = e.getName();
            while (name.startsWith("./")) {
                name = name.substring(2);
            }
            if (e.isFile()) {
                entries.put(name, e);
            }
        }
    }

    static ArchiveImageSource open(Path path) throws IOException {
        TarFile tar;
        try {
            tar = new TarFile(path);
        } catch (IOException | RuntimeException e) {
            throw new IOException(path + " is not a readable oci-archive tar: " + e.getMessage(), e);
        }
        ArchiveImageSource source = new ArchiveImageSource(path, tar);
        if (!source.entries.containsKey(OciLayoutMarker.FILE_NAME)) {
            tar.close();
            throw new IOException(path + " is not an oci-archive (no " + OciLayoutMarker.FILE_NAME + " entry)");
        }
        return source;
    }

    @Override
    public ImageIndex index() throws IOException {
        TarArchiveEntry e = entries.get(OciLayoutPaths.INDEX_FILE);
        if (e == null || e.getSize() > MAX_DOCUMENT) {
            throw new IOException(path + ": missing or oversized " + OciLayoutPaths.INDEX_FILE);
        }
        try (InputStream in = tar.getInputStream(e)) {
            return OciJson.read(in.readAllBytes(), ImageIndex.class, path + "!" + OciLayoutPaths.INDEX_FILE);
        }
    }

    @Override
    public InputStream openBlob(Digest digest) throws IOException {
        TarArchiveEntry e = entries.get(OciLayoutPaths.blobEntry(digest));
        if (e == null) {
            throw new IOException("blob " + digest + " is missing from oci-archive " + path);
        }
        return tar.getInputStream(e);
    }

    @Override
    public void close() throws IOException {
        tar.close();
    }
}
