package io.crifailover.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeKeyTest {
    @TempDir
    Path tmp;

    @Test
    void generatesAPrivateKeyFileReadableByItsOwnerOnlyAndReadsTheSameKeyBack() throws Exception {
        Path file = tmp.resolve("state").resolve(NodeKey.FILE_NAME);
        NodeKey created = NodeKey.loadOrCreate(file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        NodeKey again = NodeKey.loadOrCreate(file);
        assertThat(again.publicKeyText()).isEqualTo(created.publicKeyText());
        assertThat(NodeKey.parsePublicKey(created.publicKeyText())).isEqualTo(created.publicKey());
        byte[] data = {1, 2, 3};
        assertThat(NodeKey.verify(created.publicKey(), data, again.sign(data))).isTrue();
        assertThat(NodeKey.verify(NodeKey.generate().publicKey(), data, again.sign(data)))
                .isFalse();
    }

    @Test
    void refusesAKeyFileOthersMayRead() throws Exception {
        Path file = tmp.resolve(NodeKey.FILE_NAME);
        NodeKey.loadOrCreate(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> NodeKey.load(file)).hasMessageContaining("0600");
    }

    @Test
    void aMemberNeedsAParseablePublicKeyAndKeysMustDiffer() {
        assertThatThrownBy(() -> new ClusterMember(0, "127.0.0.1", 11000, "not-a-key"))
                .hasMessageContaining("replica 0 public key");
        String same = TestKeys.key(0).publicKeyText();
        assertThatThrownBy(() -> new ClusterConfig(
                        java.util.List.of(
                                new ClusterMember(0, "127.0.0.1", 11000, same),
                                new ClusterMember(1, "127.0.0.1", 11010, same),
                                TestKeys.member(2, "127.0.0.1", 11020),
                                TestKeys.member(3, "127.0.0.1", 11030)),
                        1,
                        java.time.Duration.ofSeconds(1)))
                .hasMessageContaining("public key of another replica");
    }
}
