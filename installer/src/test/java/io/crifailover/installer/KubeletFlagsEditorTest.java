package io.crifailover.installer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class KubeletFlagsEditorTest {

    static final String SHIM = "unix:///run/cri-failover/cri.sock";

    @Test
    void replacesTheFlagValueInEitherSpelling() throws IOException {
        assertThat(KubeletFlagsEditor.withEndpoint(
                        "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///var/run/crio/crio.sock --v=2\"\n",
                        SHIM,
                        "f"))
                .isEqualTo("KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=" + SHIM + " --v=2\"\n");
        assertThat(KubeletFlagsEditor.withEndpoint(
                        "KUBELET_EXTRA_ARGS=--container-runtime-endpoint /run/c.sock\n", SHIM, "f"))
                .isEqualTo("KUBELET_EXTRA_ARGS=--container-runtime-endpoint " + SHIM + "\n");
    }

    @Test
    void addsTheFlagToKubeadmArgs() throws IOException {
        assertThat(KubeletFlagsEditor.withEndpoint("KUBELET_KUBEADM_ARGS=\"--v=2\"\n", SHIM, "f"))
                .isEqualTo("KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=" + SHIM + " --v=2\"\n");
        assertThat(KubeletFlagsEditor.withEndpoint("KUBELET_KUBEADM_ARGS=\"\"\n", SHIM, "f"))
                .isEqualTo("KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=" + SHIM + "\"\n");
        assertThat(KubeletFlagsEditor.withEndpoint("# empty\n", SHIM, "f"))
                .isEqualTo("# empty\nKUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=" + SHIM + "\"\n");
        assertThatThrownBy(() -> KubeletFlagsEditor.withEndpoint("KUBELET_KUBEADM_ARGS=--v=2\n", SHIM, "f"))
                .hasMessageContaining("not quoted");
    }

    @Test
    void readsTheEndpointButNotSimilarFlags() {
        assertThat(KubeletFlagsEditor.endpoint("A=\"--container-runtime-endpoint=unix:///x.sock\""))
                .contains("unix:///x.sock");
        assertThat(KubeletFlagsEditor.endpoint("A=\"--image-service-endpoint=unix:///x.sock\""))
                .isEmpty();
        assertThat(KubeletFlagsEditor.endpoint("A=\"--remote-container-runtime-endpoint=x\""))
                .isEmpty();
    }
}
