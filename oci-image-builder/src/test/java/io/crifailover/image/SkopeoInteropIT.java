package io.crifailover.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.crifailover.oci.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The produced layout and oci-archive are read by skopeo, a third-party OCI implementation. */
@Tag("integration")
class SkopeoInteropIT {

    @TempDir
    Path dir;

    private final CheckpointMetadata meta = CheckpointMetadata.builder()
            .sourceNode("node-a")
            .sequence(4)
            .checkpointTime(Instant.parse("2026-01-01T00:00:00Z"))
            .build();

    @Test
    void skopeoInspectsAndCopiesTheLayout() throws Exception {
        Path archive = TestArchives.write(dir.resolve("in.tar"), TestArchives.containerdEntries(100_000, 1));
        Path layout = dir.resolve("layout");
        CheckpointImage image = CheckpointImageBuilder.build(archive, meta, layout);

        ExternalTools.Result raw =
                ExternalTools.run(dir, "skopeo", "inspect", "--raw", "oci:" + layout + ":" + image.tag());
        assertThat(raw.exitCode()).as(raw.output()).isZero();
        assertThat(Digest.of(raw.output().getBytes())).hasToString(image.manifestDigest());

        ExternalTools.Result inspect = ExternalTools.run(dir, "skopeo", "inspect", "oci:" + layout + ":" + image.tag());
        assertThat(inspect.exitCode()).as(inspect.output()).isZero();
        assertThat(inspect.output())
                .contains("\"Architecture\": \"" + CheckpointMetadata.localArchitecture() + "\"")
                .contains("cri-failover.io/source-node");

        Path copy = dir.resolve("copy");
        ExternalTools.Result copied =
                ExternalTools.run(dir, "skopeo", "copy", "oci:" + layout + ":" + image.tag(), "dir:" + copy);
        assertThat(copied.exitCode()).as(copied.output()).isZero();
        assertThat(Digest.of(Files.readAllBytes(copy.resolve("manifest.json")))).hasToString(image.manifestDigest());
        assertThat(copy.resolve(Digest.parse(image.layerDigest()).hex())).exists();
    }

    @Test
    void skopeoInspectsTheOciArchiveWithGzipLayer() throws Exception {
        Path archive = TestArchives.write(dir.resolve("in.tar"), TestArchives.containerdEntries(100_000, 1));
        Path ociTar = dir.resolve("image.tar");
        CheckpointImage image = CheckpointImageBuilder.defaults()
                .withCompression(LayerCompression.GZIP)
                .buildOciArchive(archive, meta, ociTar);
        ExternalTools.Result raw = ExternalTools.run(dir, "skopeo", "inspect", "--raw", "oci-archive:" + ociTar);
        assertThat(raw.exitCode()).as(raw.output()).isZero();
        assertThat(Digest.of(raw.output().getBytes())).hasToString(image.manifestDigest());
        Path copy = dir.resolve("copy");
        ExternalTools.Result copied = ExternalTools.run(dir, "skopeo", "copy", "oci-archive:" + ociTar, "dir:" + copy);
        assertThat(copied.exitCode()).as(copied.output()).isZero();
    }
}
