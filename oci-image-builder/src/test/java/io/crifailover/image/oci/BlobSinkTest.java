package io.crifailover.image.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crifailover.oci.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BlobSinkTest {

    @TempDir
    Path dir;

    /** Sizes around the 256 KiB chunk and the 8-chunk ring, written in odd pieces. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 262_143, 262_144, 262_145, 2_097_152, 2_097_153, 5_000_011})
    void digestAndSizeMatchTheBytesWritten(int size) throws IOException {
        byte[] content = new byte[size];
        new Random(size).nextBytes(content);
        OciLayout layout = OciLayout.openOrCreate(dir.resolve("layout"));
        BlobSink.Committed blob;
        try (BlobSink sink = layout.newBlob()) {
            for (int off = 0; off < size; ) {
                int n = Math.min(size - off, 10_240 + off % 7);
                sink.stream().write(content, off, n);
                off += n;
            }
            blob = sink.commit();
        }
        assertThat(blob.digest()).isEqualTo(Digest.of(content));
        assertThat(blob.size()).isEqualTo(size);
        assertThat(blob.path()).isEqualTo(layout.blobPath(blob.digest()));
        assertThat(Files.readAllBytes(blob.path())).isEqualTo(content);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(blob.path())))
                .isEqualTo("rw-------");
        assertThat(tempFiles(layout)).isEmpty();
    }

    @Test
    void closeWithoutCommitLeavesNothingAndStopsHashing() throws IOException {
        OciLayout layout = OciLayout.openOrCreate(dir.resolve("layout"));
        BlobSink sink = layout.newBlob();
        sink.stream().write(new byte[3_000_000]);
        sink.close();
        assertThat(tempFiles(layout)).isEmpty();
        assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(t -> t.getName().startsWith("blob-digest-") && t.isAlive());
        assertThatThrownBy(() -> sink.stream().write(1)).isInstanceOf(IOException.class);
    }

    @Test
    void smallBlobsAndStreamedBlobsAgree() throws IOException {
        OciLayout layout = OciLayout.createScratch(dir.resolve("scratch"));
        byte[] json = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        BlobSink.Committed small = layout.writeBlob(json);
        BlobSink.Committed streamed;
        try (BlobSink sink = layout.newBlob()) {
            sink.stream().write(json);
            streamed = sink.commit();
        }
        assertThat(streamed.digest()).isEqualTo(small.digest());
        assertThat(streamed.created()).isFalse();
        assertThat(tempFiles(layout)).isEmpty();
    }

    private static List<Path> tempFiles(OciLayout layout) throws IOException {
        try (Stream<Path> files = Files.list(layout.root().resolve("blobs/sha256"))) {
            return files.filter(p -> p.getFileName().toString().startsWith(".")).toList();
        }
    }
}
