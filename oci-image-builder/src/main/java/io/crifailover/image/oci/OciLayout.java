package io.crifailover.image.oci;

import io.crifailover.oci.Digest;
import io.crifailover.oci.ImageIndex;
import io.crifailover.oci.OciJson;
import io.crifailover.oci.OciLayoutMarker;
import io.crifailover.oci.OciLayoutPaths;
import io.crifailover.oci.SecureFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * An OCI image layout directory ({@code oci-layout}, {@code index.json}, {@code blobs/sha256/}).
 * Blobs are written through temporary files and renamed to their digest; {@code index.json} is
 * replaced atomically. A durable layout syncs each blob before its rename and the blob directory
 * once before {@code index.json} (which then refers to the blobs) is written; a scratch layout (an
 * intermediate that is packed into an oci-archive and deleted) syncs nothing.
 */
public final class OciLayout {

    private final Path root;
    private final Path blobDir;
    private final boolean durable;

    private OciLayout(Path root, boolean durable) {
        this.root = root;
        this.blobDir = OciLayoutPaths.blobDir(root);
        this.durable = durable;
    }

    /** Opens {@code dir} as a layout, initialising it (0700 directories) when it is empty or missing. */
    public static OciLayout openOrCreate(Path dir) throws IOException {
        return init(new OciLayout(dir, true));
    }

    /** Like {@link #openOrCreate} for a temporary layout whose files need not survive a crash. */
    public static OciLayout createScratch(Path dir) throws IOException {
        return init(new OciLayout(dir, false));
    }

    private static OciLayout init(OciLayout layout) throws IOException {
        SecureFiles.createPrivateDirectories(layout.blobDir);
        Path marker = layout.root.resolve(OciLayoutMarker.FILE_NAME);
        if (!Files.exists(marker)) {
            layout.replaceFile(marker, OciJson.write(OciLayoutMarker.current()));
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
        return new OciLayout(dir, true);
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
        return new BlobSink(blobDir, durable);
    }

    /** Stores a small blob (JSON document). */
    public BlobSink.Committed writeBlob(byte[] bytes) throws IOException {
        return BlobSink.write(blobDir, bytes, durable);
    }

    /**
     * Moves {@code file}, whose digest and size the caller computed while reading it, into the layout as a blob
     * (synced first in a durable layout). The file must be on the layout's file system; it is gone afterwards.
     */
    public BlobSink.Committed adoptBlob(Path file, Digest digest, long size) throws IOException {
        if (durable) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
        }
        Path target = blobPath(digest);
        if (Files.exists(target)) {
            Files.delete(file);
            return new BlobSink.Committed(digest, size, target, false);
        }
        SecureFiles.makePrivate(file);
        SecureFiles.rename(file, target);
        return new BlobSink.Committed(digest, size, target, true);
    }

    /** Where the blob with {@code digest} lives. */
    public Path blobPath(Digest digest) {
        return blobDir.resolve(digest.hex());
    }

    /** The layout's {@code index.json}, or an empty index when there is none yet. */
    public ImageIndex readIndex() throws IOException {
        Path file = root.resolve(OciLayoutPaths.INDEX_FILE);
        if (!Files.exists(file)) {
            return ImageIndex.of(List.of(), null);
        }
        return OciJson.read(Files.readAllBytes(file), ImageIndex.class, file.toString());
    }

    /** Atomically replaces {@code index.json}, after making the blobs it may refer to durable. */
    public void writeIndex(ImageIndex index) throws IOException {
        if (durable) {
            SecureFiles.fsyncDirectory(blobDir);
            SecureFiles.fsyncDirectory(blobDir.getParent());
        }
        replaceFile(root.resolve(OciLayoutPaths.INDEX_FILE), OciJson.write(index));
    }

    private void replaceFile(Path target, byte[] bytes) throws IOException {
        if (durable) {
            SecureFiles.writeAtomically(target, bytes);
        } else {
            SecureFiles.replaceUnsynced(target, bytes);
        }
    }
}
