package io.crifailover.image.oci;

import io.crifailover.oci.Descriptor;
import io.crifailover.oci.Digest;
import io.crifailover.oci.ImageIndex;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Read access to an OCI image held as a layout directory or as an oci-archive tar. */
public interface OciImageSource extends AutoCloseable {

    /** Largest JSON document (index, manifest, config) this module reads into memory. */
    int MAX_DOCUMENT = 4 * 1024 * 1024;

    /** Opens {@code path}: a directory is read as a layout, a file as an oci-archive. */
    static OciImageSource open(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            return new LayoutImageSource(OciLayout.open(path));
        }
        if (Files.isRegularFile(path)) {
            return ArchiveImageSource.open(path);
        }
        throw new IOException(path + " is neither an OCI layout directory nor an oci-archive file");
    }

    /** The layout's {@code index.json}. */
    ImageIndex index() throws IOException;

    /** Streams a blob (not verified; callers check the digest while reading). */
    InputStream openBlob(Digest digest) throws IOException;

    /** Reads a small blob and verifies its digest and size. */
    default byte[] readDocument(Descriptor descriptor) throws IOException {
        if (descriptor.size() > MAX_DOCUMENT) {
            throw new IOException("blob " + descriptor.digest() + " of " + descriptor.size()
                    + " bytes is too large for a " + descriptor.mediaType() + " document");
        }
        byte[] bytes;
        try (InputStream in = openBlob(descriptor.digest())) {
            bytes = in.readNBytes(MAX_DOCUMENT + 1);
        }
        if (bytes.length != descriptor.size()) {
            throw new IOException("blob " + descriptor.digest() + " has " + bytes.length
                    + " bytes, its descriptor says " + descriptor.size());
        }
        Digest actual = Digest.of(bytes);
        if (!actual.equals(descriptor.digest())) {
            throw new IOException("blob " + descriptor.digest() + " has digest " + actual);
        }
        return bytes;
    }

    @Override
    void close() throws IOException;
}
