package io.crifailover.failover;

import io.crifailover.image.CheckpointImage;
import io.crifailover.store.CheckpointStore;
import io.crifailover.store.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Moves a checkpoint image from the builder's OCI layout into the node's store under a tag. */
final class LayoutImport {
  static final String MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";

  private LayoutImport() {}

  static void importImage(CheckpointStore store, Path layout, CheckpointImage image,
      String repository, String tag) throws IOException, io.crifailover.store.InvalidManifestException,
      io.crifailover.store.MissingReferencesException {
    for (String blob : List.of(image.layerDigest(), image.configDigest())) {
      Digest d = Digest.parse(blob);
      try (InputStream in = Files.newInputStream(blobPath(layout, d))) {
        store.blobs().ingest(in, d);
      }
    }
    byte[] manifest = Files.readAllBytes(blobPath(layout, Digest.parse(image.manifestDigest())));
    store.putManifest(repository, tag, manifest, MANIFEST_MEDIA_TYPE);
  }

  private static Path blobPath(Path layout, Digest d) {
    return layout.resolve("blobs").resolve("sha256").resolve(d.hex());
  }
}
