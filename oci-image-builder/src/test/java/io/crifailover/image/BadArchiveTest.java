package io.crifailover.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crifailover.image.archive.ArchiveLimits;
import io.crifailover.image.archive.ArchiveRule;
import io.crifailover.image.archive.InvalidArchiveException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of bad archive is rejected with the entry and rule named, and leaves nothing on disk. */
class BadArchiveTest {

    @TempDir
    Path dir;

    private final CheckpointMetadata meta =
            CheckpointMetadata.builder().sourceNode("node-a").sequence(1).build();

    @Test
    void pathTraversalIsRejected() throws IOException {
        Path archive = TestArchives.withExtraEntry(
                dir.resolve("in.tar"), TestArchives.entry("checkpoint/../../etc/cron.d/x", TarConstants.LF_NORMAL));
        assertRejected(archive, ArchiveRule.PARENT_TRAVERSAL, "checkpoint/../../etc/cron.d/x");
    }

    @Test
    void absolutePathIsRejected() throws IOException {
        Path archive = TestArchives.withExtraEntry(
                dir.resolve("in.tar"), TestArchives.entry("/etc/passwd", TarConstants.LF_NORMAL));
        assertRejected(archive, ArchiveRule.ABSOLUTE_PATH, "/etc/passwd");
    }

    @Test
    void symlinkEscapingTheRootIsRejected() throws IOException {
        Path archive = TestArchives.withExtraEntry(
                dir.resolve("in.tar"), TestArchives.link("checkpoint/evil", TarConstants.LF_SYMLINK, "../../etc"));
        assertRejected(archive, ArchiveRule.LINK_ESCAPE, "checkpoint/evil");
    }

    @Test
    void absoluteSymlinkIsRejected() throws IOException {
        Path archive = TestArchives.withExtraEntry(
                dir.resolve("in.tar"), TestArchives.link("evil", TarConstants.LF_SYMLINK, "/etc/shadow"));
        assertRejected(archive, ArchiveRule.LINK_ESCAPE, "evil");
    }

    @Test
    void hardLinkOutsideTheRootIsRejected() throws IOException {
        Path archive = TestArchives.withExtraEntry(
                dir.resolve("in.tar"), TestArchives.link("hl", TarConstants.LF_LINK, "/etc/shadow"));
        assertRejected(archive, ArchiveRule.LINK_ESCAPE, "hl");
    }

    @Test
    void entryBelowALinkIsRejected() throws IOException {
        Path archive = dir.resolve("in.tar");
        try (var out = Files.newOutputStream(archive)) {
            var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(out);
            var link = TestArchives.link("cp", TarConstants.LF_SYMLINK, "checkpoint");
            tar.putArchiveEntry(link);
            tar.closeArchiveEntry();
            var below = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("cp/x");
            tar.putArchiveEntry(below);
            tar.closeArchiveEntry();
            tar.finish();
        }
        assertRejected(archive, ArchiveRule.PATH_THROUGH_LINK, "cp/x");
    }

    @Test
    void characterDeviceIsRejected() throws IOException {
        Path archive = TestArchives.withExtraEntry(
                dir.resolve("in.tar"), TestArchives.entry("checkpoint/null", TarConstants.LF_CHR));
        assertRejected(archive, ArchiveRule.DEVICE_NODE, "checkpoint/null");
    }

    @Test
    void fifoIsRejected() throws IOException {
        Path archive =
                TestArchives.withExtraEntry(dir.resolve("in.tar"), TestArchives.entry("fifo", TarConstants.LF_FIFO));
        assertRejected(archive, ArchiveRule.DEVICE_NODE, "fifo");
    }

    @Test
    void missingInventoryIsRejected() throws IOException {
        Map<String, byte[]> entries = TestArchives.containerdEntries(64, 1);
        entries.remove("checkpoint/inventory.img");
        Path archive = TestArchives.write(dir.resolve("in.tar"), entries);
        assertRejected(archive, ArchiveRule.MISSING_REQUIRED_ENTRY, "checkpoint/inventory.img");
    }

    @Test
    void missingSpecDumpIsRejected() throws IOException {
        Map<String, byte[]> entries = TestArchives.containerdEntries(64, 1);
        entries.remove("spec.dump");
        Path archive = TestArchives.write(dir.resolve("in.tar"), entries);
        assertRejected(archive, ArchiveRule.MISSING_REQUIRED_ENTRY, "spec.dump");
    }

    @Test
    void truncatedTarIsRejected() throws IOException {
        Path full = TestArchives.write(dir.resolve("full.tar"), TestArchives.containerdEntries(64 * 1024, 1));
        byte[] bytes = Files.readAllBytes(full);
        Files.delete(full);
        Path archive = dir.resolve("in.tar");
        Files.write(archive, Arrays.copyOf(bytes, 512 + 512 + 512 + 10_000));
        assertRejected(archive, ArchiveRule.SIZE_BEYOND_END, "checkpoint/pages-1.img");
    }

    @Test
    void tarCutAtAnEntryBoundaryIsRejected() throws IOException {
        Path full = TestArchives.write(dir.resolve("full.tar"), TestArchives.containerdEntries(4096, 1));
        byte[] bytes = Files.readAllBytes(full);
        Files.delete(full);
        int end = bytes.length;
        while (end > 0 && isZeroBlock(bytes, end - 512)) {
            end -= 512;
        }
        Path archive = dir.resolve("in.tar");
        Files.write(archive, Arrays.copyOf(bytes, end));
        assertRejected(archive, ArchiveRule.TRUNCATED, "status.dump");
    }

    @Test
    void truncatedGzipIsRejected() throws IOException {
        Path full = TestArchives.writeGzip(dir.resolve("full.tar.gz"), TestArchives.containerdEntries(256 * 1024, 1));
        byte[] bytes = Files.readAllBytes(full);
        Files.delete(full);
        Path archive = dir.resolve("in.tar.gz");
        Files.write(archive, Arrays.copyOf(bytes, bytes.length / 2));
        InvalidArchiveException e = assertRejected(archive, ArchiveRule.TRUNCATED, "checkpoint/pages-1.img");
        assertThat(e).hasMessageContaining("gzip");
    }

    @Test
    void zeroByteArchiveIsRejected() throws IOException {
        Path archive = Files.createFile(dir.resolve("in.tar"));
        assertRejected(archive, ArchiveRule.EMPTY_ARCHIVE, null);
    }

    @Test
    void hugeDeclaredSizeIsRejectedBeforeReading() throws IOException {
        Path archive = TestArchives.declaredSize(dir.resolve("in.tar"), "checkpoint/pages-1.img", 1L << 40);
        InvalidArchiveException e = assertRejected(archive, ArchiveRule.ENTRY_TOO_LARGE, "checkpoint/pages-1.img");
        assertThat(e).hasMessageContaining(Long.toString(1L << 40));
    }

    @Test
    void sizeBeyondTheFileIsRejected() throws IOException {
        Path archive = TestArchives.declaredSize(dir.resolve("in.tar"), "checkpoint/pages-1.img", 1L << 30);
        assertRejected(archive, ArchiveRule.SIZE_BEYOND_END, "checkpoint/pages-1.img");
    }

    @Test
    void garbageIsRejected() throws IOException {
        Path archive = dir.resolve("in.tar");
        byte[] junk = new byte[4096];
        new java.util.Random(7).nextBytes(junk);
        junk[0] = 'x';
        Files.write(archive, junk);
        assertRejected(archive, ArchiveRule.CORRUPT, null);
    }

    @Test
    void zstdIsRejectedAsUnsupported() throws IOException {
        Path archive = dir.resolve("in.tar.zst");
        Files.write(archive, new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0, 0, 0, 0});
        assertRejected(archive, ArchiveRule.UNSUPPORTED_COMPRESSION, null);
    }

    @Test
    void duplicateEntryIsRejected() throws IOException {
        Path archive = TestArchives.withExtraEntry(
                dir.resolve("in.tar"), TestArchives.entry("./spec.dump", TarConstants.LF_NORMAL));
        assertRejected(archive, ArchiveRule.DUPLICATE_ENTRY, "./spec.dump");
    }

    @Test
    void totalSizeLimitIsEnforced() throws IOException {
        Path archive = TestArchives.write(dir.resolve("in.tar"), TestArchives.containerdEntries(64 * 1024, 1));
        InvalidArchiveException e = assertThrowsInvalid(
                archive,
                CheckpointImageBuilder.defaults()
                        .withLimits(ArchiveLimits.defaults().withMaxTotalSize(32 * 1024)));
        assertThat(e.rule()).isIn(ArchiveRule.ARCHIVE_TOO_LARGE, ArchiveRule.ENTRY_TOO_LARGE);
        assertNothingLeft(archive);
    }

    @Test
    void invalidSpecDumpIsRejected() throws IOException {
        Map<String, byte[]> entries = TestArchives.containerdEntries(64, 1);
        entries.put("spec.dump", "{not json".getBytes());
        Path archive = TestArchives.write(dir.resolve("in.tar"), entries);
        assertRejected(archive, ArchiveRule.BAD_METADATA, "spec.dump");
    }

    @Test
    void failureInsideAnExistingLayoutLeavesItUnchanged() throws IOException {
        Path good = TestArchives.write(dir.resolve("good.tar"), TestArchives.containerdEntries(4096, 1));
        Path layout = dir.resolve("layout");
        CheckpointImageBuilder.build(good, meta, layout);
        List<String> before = listing(layout);
        byte[] index = Files.readAllBytes(layout.resolve("index.json"));
        Map<String, byte[]> entries = TestArchives.containerdEntries(8192, 2);
        entries.remove("config.dump");
        Path bad = TestArchives.write(dir.resolve("bad.tar"), entries);
        assertThatThrownBy(
                        () -> CheckpointImageBuilder.defaults().withTag("other").buildLayout(bad, meta, layout))
                .isInstanceOf(InvalidArchiveException.class);
        assertThat(listing(layout)).isEqualTo(before);
        assertThat(Files.readAllBytes(layout.resolve("index.json"))).isEqualTo(index);
    }

    private InvalidArchiveException assertRejected(Path archive, ArchiveRule rule, String entry) throws IOException {
        InvalidArchiveException e = assertThrowsInvalid(archive, CheckpointImageBuilder.defaults());
        assertThat(e.rule()).as(e.getMessage()).isEqualTo(rule);
        assertThat(e.entry()).isEqualTo(entry);
        if (entry != null) {
            assertThat(e).hasMessageContaining("'" + entry + "'");
        }
        assertThat(e).hasMessageContaining(rule.name());
        assertNothingLeft(archive);
        Path tarOut = dir.resolve("image.oci.tar");
        assertThatThrownBy(() -> CheckpointImageBuilder.defaults().buildOciArchive(archive, meta, tarOut))
                .isInstanceOf(InvalidArchiveException.class);
        assertNothingLeft(archive);
        return e;
    }

    private InvalidArchiveException assertThrowsInvalid(Path archive, CheckpointImageBuilder builder) {
        Path out = dir.resolve("layout");
        try {
            builder.buildLayout(archive, meta, out);
        } catch (InvalidArchiveException e) {
            return e;
        } catch (IOException e) {
            throw new AssertionError("expected InvalidArchiveException, got " + e, e);
        }
        throw new AssertionError("archive was accepted");
    }

    private void assertNothingLeft(Path archive) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.collect(Collectors.toList())).containsExactly(archive);
        }
    }

    private static List<String> listing(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.map(p -> root.relativize(p).toString()).sorted().collect(Collectors.toList());
        }
    }

    private static boolean isZeroBlock(byte[] bytes, int offset) {
        if (offset < 0) {
            return false;
        }
        for (int i = offset; i < offset + 512; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
