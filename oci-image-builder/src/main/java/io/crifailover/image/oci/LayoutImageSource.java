package io.crifailover.image.oci;

import io.crifailover.oci.Digest;
import io.crifailover.oci.ImageIndex;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** {@link OciImageSource} over a layout directory. */
final class LayoutImageSource implements OciImageSource {

    private final OciLayout layout;

    LayoutImageSource(OciLayout layout) {
        this.layout = layout;
    }

    @Override
    public ImageIndex index() throws IOException {
        return layout.readIndex();
    }

    @Override
    public InputStream openBlob(Digest digest) throws IOException {
        Path path = layout.blobPath(digest);
        try {
            return Files.newInputStream(path);
        } catch (NoSuchFileException e) {
            throw new IOException("blob " + digest + " is missing from layout " + layout.root(), e);
        }
    }

    @Override
    public void close() {
        // nothing held open
    }
}
