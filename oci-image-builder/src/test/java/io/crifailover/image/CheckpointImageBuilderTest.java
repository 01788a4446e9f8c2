package io.crifailover.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.crifailover.image.meta.RuntimeFlavour;
import io.crifailover.oci.Descriptor;
import io.crifailover.oci.Digest;
import io.crifailover.oci.ImageConfig;
import io.crifailover.oci.ImageIndex;
import io.crifailover.oci.ImageManifest;
import io.crifailover.oci.MediaTypes;
import io.crifailover.oci.OciAnnotations;
import io.crifailover.oci.OciJson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointImageBuilderTest {

    @TempDir
    Path dir;

    private final CheckpointMetadata meta = CheckpointMetadata.builder()
            .sourceNode("node-a")
            .sequence(7)
            .checkpointTime(Instant.parse("2026-03-04T05:06:07Z"))
            .cpuFlagsDigest("sha256:" + "ab".repeat(32))
            .os("linux")
            .architecture("amd64")
            .build();

    @Test
    void sameArchiveAndMetadataGiveIdenticalDigestsAndBytes() throws IOException {
        Path archive = TestArchives.write(dir.resolve("in.tar"), TestArchives.containerdEntries(200_000, 3));
        for (LayerCompression compression : LayerCompression.values()) {
            CheckpointImageBuilder builder = CheckpointImageBuilder.defaults().withCompression(compression);
            Path a = dir.resolve("a-" + compression);
            Path b = dir.resolve("b-" + compression);
            CheckpointImage first = builder.buildLayout(archive, meta, a);
            CheckpointImage second = builder.buildLayout(archive, meta, b);
            assertThat(second.manifestDigest()).isEqualTo(first.manifestDigest());
            assertThat(second.configDigest()).isEqualTo(first.configDigest());
            assertThat(second.layerDigest()).isEqualTo(first.layerDigest());
            assertThat(Files.readAllBytes(b.resolve("index.json")))
                    .isEqualTo(Files.readAllBytes(a.resolve("index.json")));
            for (String digest : List.of(first.manifestDigest(), first.configDigest(), first.layerDigest())) {
                Path blobA = a.resolve("blobs/sha256/" + Digest.parse(digest).hex());
                assertThat(Digest.of(Files.readAllBytes(blobA))).hasToString(digest);
                assertThat(Files.readAllBytes(
                                b.resolve("blobs/sha256/" + Digest.parse(digest).hex())))
                        .isEqualTo(Files.readAllBytes(blobA));
            }
        }
        Path tarA = dir.resolve("a.oci.tar");
        Path tarB = dir.resolve("b.oci.tar");
        CheckpointImageBuilder.defaults().buildOciArchive(archive, meta, tarA);
        CheckpointImageBuilder.defaults().buildOciArchive(archive, meta, tarB);
        assertThat(Files.readAllBytes(tarB)).isEqualTo(Files.readAllBytes(tarA));
    }

    @Test
    void manifestCarriesBothRuntimesAnnotationsAndOurMetadata() throws IOException {
        Path archive = TestArchives.write(dir.resolve("in.tar"), TestArchives.containerdEntries(4096, 1));
        CheckpointImage image = CheckpointImageBuilder.build(archive, meta, dir.resolve("layout"));
        ImageManifest manifest = read(dir.resolve("layout"), image.manifestDigest(), ImageManifest.class);
        assertThat(manifest.mediaType()).isEqualTo(MediaTypes.MANIFEST);
        assertThat(manifest.schemaVersion()).isEqualTo(2);
        assertThat(manifest.annotations())
                .containsEntry(CheckpointAnnotations.CRIO_CHECKPOINT_NAME, "counter")
                .containsEntry(CheckpointAnnotations.CRIU_CHECKPOINT_NAME, "counter")
                .containsEntry(CheckpointAnnotations.SOURCE_NODE, "node-a")
                .containsEntry(CheckpointAnnotations.NAMESPACE, "default")
                .containsEntry(CheckpointAnnotations.POD, "counter-pod")
                .containsEntry(CheckpointAnnotations.POD_UID, "uid-1234")
                .containsEntry(CheckpointAnnotations.CONTAINER, "counter")
                .containsEntry(CheckpointAnnotations.SEQUENCE, "7")
                .containsEntry(CheckpointAnnotations.CHECKPOINT_TIME, "2026-03-04T05:06:07Z")
                .containsEntry(CheckpointAnnotations.CRIU_VERSION, "4.1.1")
                .containsEntry(CheckpointAnnotations.CPU_FLAGS_DIGEST, "sha256:" + "ab".repeat(32))
                .containsEntry(CheckpointAnnotations.RUNTIME, "containerd")
                .containsEntry(CheckpointAnnotations.CRIU_PAGES_WRITTEN, "34");
        assertThat(manifest.layers()).hasSize(1);
        assertThat(manifest.layers().get(0).mediaType()).isEqualTo(MediaTypes.LAYER_TAR);
        ImageConfig config = read(dir.resolve("layout"), image.configDigest(), ImageConfig.class);
        assertThat(config.os()).isEqualTo("linux");
        assertThat(config.architecture()).isEqualTo("amd64");
        assertThat(config.rootfs().diffIds()).containsExactly(Digest.parse(image.layerDiffId()));
        ImageIndex index = OciJson.read(Files.readAllBytes(dir.resolve("layout/index.json")), ImageIndex.class, "i");
        assertThat(index.manifests()).singleElement().satisfies(d -> {
            assertThat(d.digest()).hasToString(image.manifestDigest());
            assertThat(d.annotation(OciAnnotations.REF_NAME)).isEqualTo("counter-7");
            assertThat(d.platform().architecture()).isEqualTo("amd64");
        });
        assertThat(image.info().flavour()).isEqualTo(RuntimeFlavour.CONTAINERD);
        assertThat(image.info().stats().frozenTimeUs()).isEqualTo(94155);
    }

    @Test
    void configIsUniquePerCheckpointEvenForEqualContent() throws IOException {
        Path archive = TestArchives.write(dir.resolve("in.tar"), TestArchives.containerdEntries(4096, 1));
        CheckpointImage seven = CheckpointImageBuilder.build(archive, meta, dir.resolve("a"));
        CheckpointMetadata eight = CheckpointMetadata.builder()
                .sourceNode("node-a")
                .sequence(8)
                .checkpointTime(meta.checkpointTime())
                .build();
        CheckpointImage next = CheckpointImageBuilder.build(archive, eight, dir.resolve("b"));
        assertThat(next.layerDigest()).isEqualTo(seven.layerDigest());
        assertThat(next.configDigest()).isNotEqualTo(seven.configDigest());
    }

    @Test
    void layerHoldsOnlyFilesAndDirectoriesAtTheRootWithNormalizedHeaders() throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>(TestArchives.crioEntries());
        Path archive = dir.resolve("in.tar");
        try (var out = Files.newOutputStream(archive)) {
            TestArchives.writeTo(out, entries);
        }
        CheckpointImage image = CheckpointImageBuilder.build(archive, meta, dir.resolve("layout"));
        List<String> names = new ArrayList<>();
        try (InputStream in = Files.newInputStream(dir.resolve("layout/blobs/sha256/"
                        + Digest.parse(image.layerDigest()).hex()));
                TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                names.add(e.getName());
                assertThat(e.isFile() || e.isDirectory()).isTrue();
                assertThat(e.getLastModifiedDate().getTime()).isZero();
                assertThat(e.getLongUserId()).isZero();
                assertThat(e.getMode() & 0777).isEqualTo(e.isDirectory() ? 0700 : 0600);
            }
        }
        assertThat(names)
                .containsExactly(
                        "bind.mounts",
                        "checkpoint/",
                        "checkpoint/inventory.img",
                        "config.dump",
                        "spec.dump",
                        "stats-dump");
        assertThat(image.info().flavour()).isEqualTo(RuntimeFlavour.CRIO);
        assertThat(image.annotations())
                .containsEntry(CheckpointAnnotations.CRIO_CHECKPOINT_NAME, "web")
                .containsEntry(CheckpointAnnotations.NAMESPACE, "shop");
    }

    @Test
    void gzipLayerAndIndexBlob() throws IOException {
        Path archive = TestArchives.write(dir.resolve("in.tar"), TestArchives.containerdEntries(100_000, 1));
        Path layout = dir.resolve("layout");
        CheckpointImage image = CheckpointImageBuilder.defaults()
                .withCompression(LayerCompression.GZIP)
                .withIndex(true)
                .withTag("v1")
                .buildLayout(archive, meta, layout);
        assertThat(image.layerMediaType()).isEqualTo(MediaTypes.LAYER_TAR_GZIP);
        Path blob = layout.resolve(
                "blobs/sha256/" + Digest.parse(image.layerDigest()).hex());
        try (InputStream in = new GZIPInputStream(Files.newInputStream(blob))) {
            assertThat(Digest.of(in.readAllBytes())).hasToString(image.layerDiffId());
        }
        ImageIndex nested = read(layout, image.indexDigest(), ImageIndex.class);
        assertThat(nested.annotations()).containsEntry(CheckpointAnnotations.CRIU_CHECKPOINT_NAME, "counter");
        assertThat(nested.manifests())
                .extracting(Descriptor::digest)
                .containsExactly(Digest.parse(image.manifestDigest()));
        ImageIndex top = OciJson.read(Files.readAllBytes(layout.resolve("index.json")), ImageIndex.class, "i");
        assertThat(top.manifests())
                .singleElement()
                .satisfies(d -> assertThat(d.mediaType()).isEqualTo(MediaTypes.INDEX));
    }

    @Test
    void addingToAnExistingLayoutKeepsOtherTagsAndReplacesTheSameTag() throws IOException {
        Path layout = dir.resolve("layout");
        Path a = TestArchives.write(dir.resolve("a.tar"), TestArchives.containerdEntries(4096, 1));
        Path b = TestArchives.write(dir.resolve("b.tar"), TestArchives.containerdEntries(4096, 2));
        CheckpointImageBuilder.defaults().withTag("one").buildLayout(a, meta, layout);
        CheckpointImageBuilder.defaults().withTag("two").buildLayout(b, meta, layout);
        CheckpointImage again = CheckpointImageBuilder.defaults().withTag("one").buildLayout(b, meta, layout);
        ImageIndex index = OciJson.read(Files.readAllBytes(layout.resolve("index.json")), ImageIndex.class, "i");
        assertThat(index.manifests())
                .extracting(d -> d.annotation(OciAnnotations.REF_NAME))
                .containsExactly("two", "one");
        assertThat(index.manifests().get(1).digest()).hasToString(again.manifestDigest());
    }

    @Test
    void roundTripGivesTheSameFilesBackFromLayoutAndOciArchive() throws IOException {
        Map<String, byte[]> entries = TestArchives.containerdEntries(300_000, 5);
        entries.put("checkpoint/" + "x".repeat(150) + ".img", new byte[] {1, 2, 3});
        Path archive = TestArchives.write(dir.resolve("in.tar"), entries);
        for (LayerCompression compression : LayerCompression.values()) {
            Path layout = dir.resolve("layout-" + compression);
            Path ociTar = dir.resolve("image-" + compression + ".tar");
            CheckpointImageBuilder builder = CheckpointImageBuilder.defaults().withCompression(compression);
            builder.buildLayout(archive, meta, layout);
            builder.buildOciArchive(archive, meta, ociTar);
            for (Path image : List.of(layout, ociTar)) {
                Path out = dir.resolve("out-" + image.getFileName() + ".tar");
                ExtractedCheckpoint extracted =
                        CheckpointImageExtractor.defaults().extract(image, null, out);
                assertThat(extracted.image().checkpointName()).isEqualTo("counter");
                assertThat(readFiles(out)).containsExactlyInAnyOrderEntriesOf(filesOnly(entries));
                assertThat(Files.getPosixFilePermissions(out))
                        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
            }
        }
    }

    @Test
    void extractionRejectsATamperedLayer() throws IOException {
        Path archive = TestArchives.write(dir.resolve("in.tar"), TestArchives.containerdEntries(8192, 5));
        Path layout = dir.resolve("layout");
        CheckpointImage image = CheckpointImageBuilder.build(archive, meta, layout);
        Path blob = layout.resolve(
                "blobs/sha256/" + Digest.parse(image.layerDigest()).hex());
        byte[] bytes = Files.readAllBytes(blob);
        int offset = indexOf(bytes, "pages-1.img".getBytes()) + 2048;
        bytes[offset] ^= 1;
        Files.write(blob, bytes);
        Path out = dir.resolve("out.tar");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> CheckpointImageExtractor.defaults().extract(layout, null, out))
                .hasMessageContaining("does not match");
        assertThat(out).doesNotExist();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("in.tar", "layout");
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    private static Map<String, byte[]> filesOnly(Map<String, byte[]> entries) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        entries.forEach((k, v) -> {
            if (v != null) {
                files.put(k.startsWith("./") ? k.substring(2) : k, v);
            }
        });
        return files;
    }

    static Map<String, byte[]> readFiles(Path tarFile) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(tarFile);
                TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                if (e.isFile()) {
                    files.put(e.getName(), tar.readAllBytes());
                }
            }
        }
        return files;
    }

    private static <T> T read(Path layout, String digest, Class<T> type) throws IOException {
        return OciJson.read(
                Files.readAllBytes(
                        layout.resolve("blobs/sha256/" + Digest.parse(digest).hex())),
                type,
                digest);
    }
}
