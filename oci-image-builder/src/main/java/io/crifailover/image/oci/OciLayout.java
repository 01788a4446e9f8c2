package io.crifailover.image.oci;

import io.crifailover.image.fs.SafeFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An OCI image layout directory ({@code oci-layout}, {@code index.json}, {@code blobs/sha256/}).
 * Blobs are written through temporary files and renamed to their digest; {@code index.json} is
 * replaced atomically.
 */
public final class OciLayout {

    public static final String INDEX_FILE = "index.json";

    private final Path root;
    private final Path blobDir;

    private OciLayout(Path root) {
        this.root = root;
        this.blobDir = root.resolve("blobs").resolve("sha256");
    }

    /** Opens {@code dir} as a layout, initialising it (0700 directories) when it is empty or missing. */
    public static OciLayout openOrCreate(Path dir) throws IOException {
        OciLayout layout = new OciLayout(dir);
        SafeFiles.createPrivateDirectories(layout.blobDir);
        Path marker = dir.resolve(OciLayoutMarker.FILE_NAME);
        if (!Files.exists(marker)) {
            SafeFiles.writeAtomically(marker, OciJson.write(OciLayoutMarker.current()));
        }
        return layout;
    }

    /** Opens an existing layout; fails with a clear message when {@code dir} is not one. */
    public static OciLayout open(Path dir) throws IOException {
        Path marker = dir.resolve(OciLayoutMarker.FILE_NAME);
        if (!Files.isRegularFile(marker)) {
            throw new IOException(dir + " is not an OCI image layout (no " + OciLayoutMarker.FILE_NAME + " file)");
        }
        OciJson.read(Files.readAllBytes(marker), OciLayoutMarker.class, marker.toString());
        return new OciLayout(dir);
    }

    /** Whether {@code dir} looks like a layout. */
    public static boolean isLayout(Path dir) {
        return Files.isRegularFile(dir.resolve(OciLayoutMarker.FILE_NAME));
    }

    public Path root() {
        return root;
    }

    /** Starts streaming a new blob. */
    public BlobSink newBlob() throws IOException {
        return new BlobSink(blobDir);
    }

    /** Stores a small blob (JSON document). */
    public BlobSink.Committed writeBlob(byte[] bytes) throws IOException {
        try (BlobSink sink = newBlob()) {
            sink.stream().write(bytes);
            return sink.commit();
        }
    }

    /** Where the blob with {@code digest} lives. */
    public Path blobPath(String digest) {
        return blobDir.resolve(Sha256.hex(digest));
    }

    /** The layout's {@code index.json}, or an empty index when there is none yet. */
    public ImageIndex readIndex() throws IOException {
        Path file = root.resolve(INDEX_FILE);
        if (!Files.exists(file)) {
            return ImageIndex.of(java.util.List.of(), null);
        }
        return OciJson.read(Files.readAllBytes(file), ImageIndex.class, file.toString());
    }

    /** Atomically replaces {@code index.json}. */
    public void writeIndex(ImageIndex index) throws IOException {
        SafeFiles.writeAtomically(root.resolve(INDEX_FILE), OciJson.write(index));
    }
}
