package io.crifailover.oci;

import java.nio.file.Path;

/** Where the files of an OCI image layout live, in a directory or at the root of an oci-archive tar. */
public final class OciLayoutPaths {

    /** The layout's top-level index. */
    public static final String INDEX_FILE = "index.json";

    /** The directory of sha256 blobs, relative to the layout root. */
    public static final String BLOB_DIR = "blobs/sha256";

    private OciLayoutPaths() {}

    /** A blob's path relative to the layout root (an oci-archive entry name). */
    public static String blobEntry(Digest digest) {
        return BLOB_DIR + "/" + digest.hex();
    }

    /** The blob directory of the layout at {@code root}. */
    public static Path blobDir(Path root) {
        return root.resolve("blobs").resolve("sha256");
    }

    /** A blob's file in the layout at {@code root}. */
    public static Path blob(Path root, Digest digest) {
        return blobDir(root).resolve(digest.hex());
    }
}
