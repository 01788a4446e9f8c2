package io.crifailover.store;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Copies one image of an OCI image layout directory (what oci-image-builder writes) into the store, byte for
 * byte: blobs are verified against their digests while they are ingested, child manifests go in before the
 * manifest that references them, and the tag comes last. Layers keep their exact bytes (no recompression),
 * so chunk-level dedup between checkpoints keeps working.
 */
public final class OciLayoutImporter {
    private static final String REF_NAME = "org.opencontainers.image.ref.name";
    private static final int MAX_MANIFEST = 4 << 20;

    private final CheckpointStore store;

    public OciLayoutImporter(CheckpointStore store) {
        this.store = store;
    }

    /**
     * Imports the layout's image named {@code layoutTag} (its {@code org.opencontainers.image.ref.name};
     * null: the layout's only image) as {@code repository:tag}. Returns the digest of the top manifest or index.
     */
    public Digest importImage(Path layout, String layoutTag, String repository, String tag)
            throws IOException, InvalidManifestException, MissingReferencesException {
        JsonNode top = selectEntry(layout, layoutTag);
        Digest digest = Digest.parse(top.path("digest").asText(null));
        String mediaType = top.path("mediaType").asText(null);
        importManifest(layout, repository, digest, mediaType, tag, 0);
        return digest;
    }

    private static JsonNode selectEntry(Path layout, String layoutTag) throws IOException, InvalidManifestException {
        Path indexFile = layout.resolve("index.json");
        if (!Files.isRegularFile(indexFile)) {
            throw new NoSuchFileException(indexFile.toString(), null, "not an OCI image layout (no index.json)");
        }
        JsonNode index = Exchanges.JSON.readTree(indexFile.toFile());
        List<JsonNode> matches = new ArrayList<>();
        for (JsonNode m : index.path("manifests")) {
            if (layoutTag == null
                    || layoutTag.equals(m.path("annotations").path(REF_NAME).asText(null))) {
                matches.add(m);
            }
        }
        if (matches.size() != 1) {
            throw new InvalidManifestException("layout " + layout + " has " + matches.size() + " images "
                    + (layoutTag == null ? "(name one with a tag)" : "tagged '" + layoutTag + "'"));
        }
        return matches.get(0);
    }

    private void importManifest(Path layout, String repository, Digest digest, String mediaType, String tag, int depth)
            throws IOException, InvalidManifestException, MissingReferencesException {
        if (depth > 4) {
            throw new InvalidManifestException("image indexes nested deeper than 4 levels in " + layout);
        }
        Path file = blobPath(layout, digest);
        if (Files.size(file) > MAX_MANIFEST) {
            throw new InvalidManifestException("manifest " + digest + " in " + layout + " is larger than 4 MiB");
        }
        byte[] content = Files.readAllBytes(file);
        ManifestDocument doc = ManifestDocument.parse(content, mediaType);
        if (doc.isIndex()) {
            JsonNode children = Exchanges.JSON.readTree(content).path("manifests");
            for (JsonNode child : children) {
                importManifest(
                        layout,
                        repository,
                        Digest.parse(child.path("digest").asText(null)),
                        child.path("mediaType").asText(null),
                        null,
                        depth + 1);
            }
        }
        for (Digest blob : doc.blobs()) {
            if (!store.blobs().exists(blob)) {
                try (InputStream in = Files.newInputStream(blobPath(layout, blob))) {
                    store.blobs().ingest(in, blob);
                }
            }
        }
        store.putManifest(repository, tag == null ? digest.toString() : tag, content, doc.mediaType());
    }

    private static Path blobPath(Path layout, Digest digest) throws NoSuchFileException {
        Path p = layout.resolve("blobs").resolve("sha256").resolve(digest.hex());
        if (!Files.isRegularFile(p)) {
            throw new NoSuchFileException(p.toString(), null, "blob " + digest + " missing from the layout");
        }
        return p;
    }
}
