package io.crifailover.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DigestTest {

    private static final String EMPTY = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @Test
    void digestOfBytesIsTheSha256InOciNotation() {
        assertThat(Digest.of(new byte[0])).hasToString(EMPTY);
        assertThat(Digest.parse(EMPTY)).isEqualTo(Digest.of(new byte[0]));
        assertThat(Digest.fromBytes(Digest.of(new byte[0]).bytes())).isEqualTo(Digest.parse(EMPTY));
    }

    @Test
    void rejectsOtherAlgorithmsAndMalformedHexNamingTheInput() {
        assertThatThrownBy(() -> Digest.parse("md5:abc")).hasMessageContaining("md5:abc");
        assertThatThrownBy(() -> Digest.parse("sha256:" + "A".repeat(64))).hasMessageContaining("A".repeat(64));
        assertThatThrownBy(() -> Digest.parse(null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Digest.isDigest(EMPTY)).isTrue();
        assertThat(Digest.isDigest("sha256:" + "0".repeat(63))).isFalse();
    }

    @Test
    void descriptorsCarryDigestsAsOciStrings() throws IOException {
        Descriptor layer = Descriptor.of(MediaTypes.LAYER_TAR, Digest.parse(EMPTY), 0);
        byte[] json = OciJson.write(layer);
        assertThat(new String(json, StandardCharsets.UTF_8)).contains("\"digest\":\"" + EMPTY + "\"");
        assertThat(OciJson.read(json, Descriptor.class, "layer")).isEqualTo(layer);
    }

    @Test
    void aBadDigestInADocumentIsAParseErrorThatNamesIt() {
        byte[] json = "{\"mediaType\":\"x\",\"digest\":\"md5:abc\",\"size\":1}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> OciJson.read(json, Descriptor.class, "layer"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("layer")
                .hasMessageContaining("md5:abc");
    }
}
