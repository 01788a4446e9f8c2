package io.crifailover.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.crifailover.oci.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScannedArchiveLayerTest {
    @TempDir
    Path dir;

    private final CheckpointMetadata meta = CheckpointMetadata.builder()
            .sourceNode("node-a")
            .sequence(7)
            .checkpointTime(Instant.parse("2026-03-04T05:06:07Z"))
            .os("linux")
            .architecture("amd64")
            .build();

    @Test
    void aPlainArchiveIsHashedInItsOneReadAndMovedInAsTheLayer() throws IOException {
        Path archive = TestArchives.write(dir.resolve("in.tar"), TestArchives.containerdEntries(300_000, 5));
        byte[] bytes = Files.readAllBytes(archive);

        ScannedArchive scanned = CheckpointImageBuilder.defaults().scan(archive);
        assertThat(scanned.usableAsLayer()).isTrue();
        assertThat(scanned.digest()).isEqualTo(Digest.of(bytes));
        assertThat(scanned.size()).isEqualTo(bytes.length);
        assertThat(scanned.info().stats()).isNotNull();

        CheckpointImage image = CheckpointImageBuilder.defaults().buildLayout(scanned, meta, dir.resolve("layout"));

        assertThat(image.layerDigest()).isEqualTo(Digest.of(bytes).toString());
        assertThat(image.layerDiffId()).isEqualTo(image.layerDigest());
        assertThat(image.layerSize()).isEqualTo(bytes.length);
        assertThat(Files.readAllBytes(
                        dir.resolve("layout/blobs/sha256/" + scanned.digest().hex())))
                .isEqualTo(bytes);
        assertThat(archive).doesNotExist();
        assertThat(CheckpointImageExtractor.defaults().extract(dir.resolve("layout"), null, dir.resolve("out.tar")))
                .isNotNull();
    }

    @Test
    void anArchiveWithALinkOrCompressionIsRewrittenAsBefore() throws IOException {
        Path linked = TestArchives.withExtraEntry(
                dir.resolve("linked.tar"), TestArchives.link("checkpoint/l", TarConstants.LF_SYMLINK, "inventory.img"));
        ScannedArchive scanned = CheckpointImageBuilder.defaults().scan(linked);
        assertThat(scanned.notLayerReason()).contains("link entry");
        CheckpointImage image = CheckpointImageBuilder.defaults().buildLayout(scanned, meta, dir.resolve("a"));
        assertThat(image.layerDigest()).isNotEqualTo(scanned.digest().toString());
        assertThat(linked).exists();

        Path gz = TestArchives.writeGzip(dir.resolve("in.tar.gz"), TestArchives.containerdEntries(4096, 1));
        assertThat(CheckpointImageBuilder.defaults().scan(gz).notLayerReason()).contains("compressed");
        assertThat(CheckpointImageBuilder.defaults()
                        .withCompression(LayerCompression.GZIP)
                        .scan(TestArchives.write(dir.resolve("p.tar"), TestArchives.containerdEntries(4096, 1)))
                        .usableAsLayer())
                .isFalse();
    }
}
