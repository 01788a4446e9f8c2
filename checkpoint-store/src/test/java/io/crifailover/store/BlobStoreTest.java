package io.crifailover.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crifailover.oci.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobStoreTest {
    @TempDir
    Path dir;

    @Test
    void storesPrivatelyByDigest() throws Exception {
        CheckpointStore store = CheckpointStore.open(dir.resolve("s"));
        Digest d = store.blobs().put("hello".getBytes(), null);
        assertThat(d).isEqualTo(Digest.of("hello".getBytes()));
        assertThat(store.blobs().read(d)).isEqualTo("hello".getBytes());
        assertThat(PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(store.blobs().path(d))))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(store.blobs().path(d).getParent())))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.root())))
                .isEqualTo("rwx------");
    }

    @Test
    void wrongDigestLeavesNothingVisible() throws Exception {
        CheckpointStore store = CheckpointStore.open(dir.resolve("s"));
        Digest claimed = Digest.of("other".getBytes());
        assertThatThrownBy(() -> store.blobs().put("hello".getBytes(), claimed))
                .isInstanceOf(DigestMismatchException.class)
                .hasMessageContaining(claimed.toString());
        assertThat(store.blobs().list()).isEmpty();
        try (var s = Files.list(store.blobs().tmpDir())) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void crashLeftoversAreRemovedOnOpen() throws Exception {
        CheckpointStore store = CheckpointStore.open(dir.resolve("s"));
        Files.write(store.blobs().tmpDir().resolve("ingest-dead"), new byte[100]);
        CheckpointStore reopened = CheckpointStore.open(dir.resolve("s"));
        try (var s = Files.list(reopened.blobs().tmpDir())) {
            assertThat(s).isEmpty();
        }
        assertThat(reopened.blobs().list()).isEmpty();
    }

    @Test
    void digestParsingNamesBadInput() {
        assertThatThrownBy(() -> Digest.parse("md5:abc")).hasMessageContaining("md5:abc");
        assertThatThrownBy(() -> Digest.parse("sha256:XYZ")).hasMessageContaining("XYZ");
    }
}
