package io.crifailover.installer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class KubeletConfigEditorTest {

    static final String SHIM = "unix:///run/cri-failover/cri.sock";

    static String edit(String yaml) throws IOException {
        return new String(
                KubeletConfigEditor.withEndpoint(yaml.getBytes(StandardCharsets.UTF_8), SHIM, "config.yaml"),
                StandardCharsets.UTF_8);
    }

    @Test
    void replacesOnlyTheValueKeepingCommentsAndQuotes() throws IOException {
        assertThat(
                        edit(
                                "kind: KubeletConfiguration\ncontainerRuntimeEndpoint: unix:///run/containerd/containerd.sock # x\nfoo: 1\n"))
                .isEqualTo("kind: KubeletConfiguration\ncontainerRuntimeEndpoint: " + SHIM + " # x\nfoo: 1\n");
        assertThat(edit("containerRuntimeEndpoint: 'unix:///var/run/crio/crio.sock'\n"))
                .isEqualTo("containerRuntimeEndpoint: '" + SHIM + "'\n");
        assertThat(edit("containerRuntimeEndpoint: \"\"\r\nkind: KubeletConfiguration\r\n"))
                .isEqualTo("containerRuntimeEndpoint: \"" + SHIM + "\"\r\nkind: KubeletConfiguration\r\n");
        assertThat(edit("containerRuntimeEndpoint:\nkind: KubeletConfiguration\n"))
                .isEqualTo("containerRuntimeEndpoint: " + SHIM + "\nkind: KubeletConfiguration\n");
    }

    @Test
    void appendsTheKeyWhenAbsent() throws IOException {
        assertThat(edit("kind: KubeletConfiguration\n"))
                .isEqualTo("kind: KubeletConfiguration\ncontainerRuntimeEndpoint: " + SHIM + "\n");
        assertThat(edit("kind: KubeletConfiguration"))
                .isEqualTo("kind: KubeletConfiguration\ncontainerRuntimeEndpoint: " + SHIM + "\n");
    }

    @Test
    void ignoresNestedKeysOfTheSameName() throws IOException {
        assertThat(edit("nested:\n  containerRuntimeEndpoint: x\n"))
                .isEqualTo("nested:\n  containerRuntimeEndpoint: x\ncontainerRuntimeEndpoint: " + SHIM + "\n");
    }

    @Test
    void readsTheCurrentEndpoint() throws IOException {
        assertThat(KubeletConfigEditor.endpoint("containerRuntimeEndpoint: \"unix:///x.sock\"\n".getBytes(), "c"))
                .contains("unix:///x.sock");
        assertThat(KubeletConfigEditor.endpoint("containerRuntimeEndpoint: \"\"\n".getBytes(), "c"))
                .isEmpty();
        assertThat(KubeletConfigEditor.endpoint("kind: KubeletConfiguration\n".getBytes(), "c"))
                .isEmpty();
    }

    @Test
    void refusesWhatALineEditCannotDoSafely() {
        assertThatThrownBy(() -> edit("{kind: KubeletConfiguration, containerRuntimeEndpoint: x}\n"))
                .hasMessageContaining("by a one-line edit");
        assertThatThrownBy(() -> edit("- a\n- b\n")).hasMessageContaining("not a YAML mapping");
        assertThatThrownBy(() -> edit("kind: [unclosed\n")).hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> edit("containerRuntimeEndpoint: a\ncontainerRuntimeEndpoint: b\n"))
                .isInstanceOf(IOException.class);
    }
}
