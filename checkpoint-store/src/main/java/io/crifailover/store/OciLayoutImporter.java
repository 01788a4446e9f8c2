package io.crifailover.store;

import io.crifailover.oci.Descriptor;
import io.crifailover.oci.Digest;
import io.crifailover.oci.ImageIndex;
import io.crifailover.oci.OciAnnotations;
import io.crifailover.oci.OciJson;
import io.crifailover.oci.OciLayoutPaths;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Copies one image of an OCI image layout directory (what oci-image-builder writes) into the store, byte for
 * byte: blobs are verified against their digests while they are ingested, child manifests go in before the
 * manifest that references them, and the tag comes last. Layers keep their exact bytes (no recompression),
 * so chunk-level dedup between checkpoints keeps working. {@link #movingOwnLayout} moves the blobs instead.
 */
public final class OciLayoutImporter {
    private static final int MAX_MANIFEST = 4 << 20;
    private static final int MAX_NESTING = 4;

    private final CheckpointStore store;
    private final boolean move;

    public OciLayoutImporter(CheckpointStore store) {
        this(store, false);
    }

    private OciLayoutImporter(CheckpointStore store, boolean move) {
        this.store = store;
        this.move = move;
    }

    /**
     * An importer for a layout this process has just written on the store's file system and will delete: its
     * blobs are moved into the store under the digests the layout names, without reading them again.
     */
    public static OciLayoutImporter movingOwnLayout(CheckpointStore store) {
        return new OciLayoutImporter(store, true);
    }

    /**
     * Imports the layout's image named {@code layoutTag} (its {@code org.opencontainers.image.ref.name};
     * null: the layout's only image) as {@code repository:tag}. Returns the digest of the top manifest or index.
     */
    public Digest importImage(Path layout, String layoutTag, String repository, String tag)
            throws IOException, InvalidManifestException, MissingReferencesException {
        Descriptor top = selectEntry(layout, layoutTag);
        if (top.digest() == null) {
            throw new InvalidManifestException("the entry of " + layout + "'s index.json has no digest");
        }
        importManifest(layout, repository, top, tag, 0);
        return top.digest();
    }

    private static Descriptor selectEntry(Path layout, String layoutTag) throws IOException, InvalidManifestException {
        Path indexFile = layout.resolve(OciLayoutPaths.INDEX_FILE);
        if (!Files.isRegularFile(indexFile)) {
            throw new NoSuchFileException(indexFile.toString(), null, "not an OCI image layout (no index.json)");
        }
        if (Files.size(indexFile) > MAX_MANIFEST) {
            throw new InvalidManifestException(indexFile + " is larger than 4 MiB");
        }
        ImageIndex index = OciJson.read(Files.readAllBytes(indexFile), ImageIndex.class, indexFile.toString());
        List<Descriptor> matches = index.manifests().stream()
                .filter(m -> layoutTag == null || layoutTag.equals(m.annotation(OciAnnotations.REF_NAME)))
                .toList();
        if (matches.size() != 1) {
            throw new InvalidManifestException("layout " + layout + " has " + matches.size() + " images "
                    + (layoutTag == null ? "(name one with a tag)" : "tagged '" + layoutTag + "'"));
        }
        return matches.get(0);
    }

    private void importManifest(Path layout, String repository, Descriptor descriptor, String tag, int depth)
            throws IOException, InvalidManifestException, MissingReferencesException {
        if (depth > MAX_NESTING) {
            throw new InvalidManifestException(
                    "image indexes nested deeper than " + MAX_NESTING + " levels in " + layout);
        }
        Digest digest = descriptor.digest();
        Path file = blobPath(layout, digest);
        if (Files.size(file) > MAX_MANIFEST) {
            throw new InvalidManifestException("manifest " + digest + " in " + layout + " is larger than 4 MiB");
        }
        byte[] content = Files.readAllBytes(file);
        ManifestDocument doc = ManifestDocument.parse(content, descriptor.mediaType());
        for (Descriptor child : doc.children()) {
            importManifest(layout, repository, child, null, depth + 1);
        }
        for (Digest blob : doc.blobs()) {
            if (move) {
                store.blobs().adopt(blobPath(layout, blob), blob);
            } else if (!store.blobs().exists(blob)) {
                try (InputStream in = Files.newInputStream(blobPath(layout, blob))) {
                    store.blobs().ingest(in, blob);
                }
            }
        }
        store.putManifest(repository, tag == null ? digest.toString() : tag, content, doc.mediaType());
    }

    private static Path blobPath(Path layout, Digest digest) throws NoSuchFileException {
        Path p = OciLayoutPaths.blob(layout, digest);
        if (!Files.isRegularFile(p)) {
            throw new NoSuchFileException(p.toString(), null, "blob " + digest + " missing from the layout");
        }
        return p;
    }
}
