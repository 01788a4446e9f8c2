package io.crifailover.image.oci;

import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.GZIPOutputStream;

/** gzip with a chosen deflate level; the JDK header has mtime 0, so output is reproducible. */
public final class LevelGzipOutputStream extends GZIPOutputStream {

    public LevelGzipOutputStream(OutputStream out, int level) throws IOException {
        super(out, 1 << 16);
        def.setLevel(level);
    }
}
