package io.crifailover.store;

import io.crifailover.oci.Digest;
import io.crifailover.oci.MediaTypes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a {@link TestImage} as an OCI image layout directory (for skopeo's oci: transport). */
final class OciLayout {
    private OciLayout() {}

    static void write(TestImage img, Path dir, String tag) throws IOException {
        Path blobs = Files.createDirectories(dir.resolve("blobs/sha256"));
        for (byte[] b : new byte[][] {img.config, img.manifest, img.index}) {
            Files.write(blobs.resolve(Digest.of(b).hex()), b);
        }
        for (byte[] l : img.layers) {
            Files.write(blobs.resolve(Digest.of(l).hex()), l);
        }
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        String index =
                "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" + MediaTypes.MANIFEST + "\",\"digest\":\""
                        + img.manifestDigest() + "\",\"size\":" + img.manifest.length
                        + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + tag + "\"}}]}";
        Files.writeString(dir.resolve("index.json"), index, StandardCharsets.UTF_8);
    }
}
