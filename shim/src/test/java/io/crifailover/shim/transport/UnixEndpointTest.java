package io.crifailover.shim.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class UnixEndpointTest {

    @Test
    void parsesKubeletStyleAndPlainPaths() {
        assertThat(UnixEndpoint.parse("unix:///run/containerd/containerd.sock").path())
                .isEqualTo(Path.of("/run/containerd/containerd.sock"));
        assertThat(UnixEndpoint.parse("unix:/run/x.sock").path()).isEqualTo(Path.of("/run/x.sock"));
        assertThat(UnixEndpoint.parse("/run/x.sock").path()).isEqualTo(Path.of("/run/x.sock"));
        assertThat(UnixEndpoint.parse("/run/x.sock")).hasToString("unix:///run/x.sock");
    }

    @Test
    void rejectsOtherSchemesRelativeAndOverlongPaths() {
        assertThatThrownBy(() -> UnixEndpoint.parse("tcp://127.0.0.1:1")).hasMessageContaining("only unix:///path");
        assertThatThrownBy(() -> UnixEndpoint.parse("unix://run/x.sock")).hasMessageContaining("absolute");
        assertThatThrownBy(() -> UnixEndpoint.parse("")).hasMessageContaining("empty endpoint");
        assertThatThrownBy(() -> UnixEndpoint.parse("/" + "x".repeat(120))).hasMessageContaining("107");
    }
}
