package io.crifailover.installer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostRootTest {

    @TempDir
    Path root;

    @Test
    void followsHostLinksInsideTheMount() throws IOException {
        Files.createDirectories(root.resolve("run/crio"));
        Files.createSymbolicLink(root.resolve("var"), Path.of("usr/var"));
        Files.createDirectories(root.resolve("usr/var"));
        Files.createSymbolicLink(root.resolve("usr/var/run"), Path.of("/run"));
        HostRoot host = new HostRoot(root);
        assertThat(host.resolve("/var/run/crio")).isEqualTo(root.resolve("run/crio"));
        assertThat(host.exists("/var/run/crio")).isTrue();
        assertThat(host.locate("/var/run")).isEqualTo(root.resolve("usr/var/run"));
        assertThat(host.resolve("/../../etc")).isEqualTo(root.resolve("etc"));
    }

    @Test
    void rejectsRelativePathsAndLinkLoops() throws IOException {
        Files.createSymbolicLink(root.resolve("loop"), Path.of("/loop"));
        HostRoot host = new HostRoot(root);
        assertThatThrownBy(() -> host.resolve("etc/x")).hasMessageContaining("must be absolute");
        assertThatThrownBy(() -> host.resolve("/loop/x")).hasMessageContaining("too many symbolic links");
    }
}
