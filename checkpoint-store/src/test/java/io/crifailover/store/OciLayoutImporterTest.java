package io.crifailover.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crifailover.oci.Digest;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciLayoutImporterTest {
    @TempDir
    Path dir;

    @Test
    void importsTheTaggedImageByteForByte() throws Exception {
        TestImage img = TestImage.random(21, 70_000, 5_000);
        Path layout = dir.resolve("layout");
        OciLayout.write(img, layout, "counter-1");
        CheckpointStore store = CheckpointStore.open(dir.resolve("store"));

        Digest top = new OciLayoutImporter(store).importImage(layout, "counter-1", "ckpt/counter", "1");

        assertThat(top).isEqualTo(img.manifestDigest());
        assertThat(store.manifest("ckpt/counter", "1"))
                .get()
                .extracting(StoredManifest::content)
                .isEqualTo(img.manifest);
        for (int i = 0; i < img.layers.size(); i++) {
            assertThat(store.blobs().read(Digest.of(img.layers.get(i)))).isEqualTo(img.layers.get(i));
        }
    }

    @Test
    void movingItsOwnLayoutTakesTheBlobsWithoutCopying() throws Exception {
        TestImage img = TestImage.random(22, 70_000, 5_000);
        Path layout = dir.resolve("layout");
        OciLayout.write(img, layout, "counter-1");
        CheckpointStore store = CheckpointStore.open(dir.resolve("store"));
        Path layerInLayout =
                layout.resolve("blobs/sha256/" + Digest.of(img.layers.get(0)).hex());
        Object layerFile = Files.readAttributes(layerInLayout, java.nio.file.attribute.BasicFileAttributes.class)
                .fileKey();

        OciLayoutImporter.movingOwnLayout(store).importImage(layout, "counter-1", "ckpt/counter", "1");

        assertThat(layerInLayout).doesNotExist();
        Path stored = store.blobs().path(Digest.of(img.layers.get(0)));
        assertThat(Files.readAttributes(stored, java.nio.file.attribute.BasicFileAttributes.class)
                        .fileKey())
                .isEqualTo(layerFile);
        assertThat(store.blobs().read(Digest.of(img.layers.get(0)))).isEqualTo(img.layers.get(0));
        assertThat(store.manifest("ckpt/counter", "1"))
                .get()
                .extracting(StoredManifest::content)
                .isEqualTo(img.manifest);
    }

    @Test
    void missingBlobOrUnknownTagIsRefusedAndNothingIsTagged() throws Exception {
        TestImage img = TestImage.random(22, 1_000);
        Path layout = dir.resolve("layout");
        OciLayout.write(img, layout, "v1");
        CheckpointStore store = CheckpointStore.open(dir.resolve("store"));
        OciLayoutImporter importer = new OciLayoutImporter(store);

        assertThatThrownBy(() -> importer.importImage(layout, "v2", "ckpt/x", "1"))
                .isInstanceOf(InvalidManifestException.class)
                .hasMessageContaining("tagged 'v2'");
        Files.delete(layout.resolve("blobs/sha256")
                .resolve(Digest.of(img.layers.get(0)).hex()));
        assertThatThrownBy(() -> importer.importImage(layout, "v1", "ckpt/x", "1"))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(Digest.of(img.layers.get(0)).hex());
        assertThat(store.manifest("ckpt/x", "1")).isEmpty();
    }
}
