package io.crifailover.sniffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The debug socket refuses non-root peers (checked as uid 65534 in a child process via setpriv). */
@Tag("integration")
class DebugSocketAccessTest {
    private static final String NOBODY = "65534";

    @TempDir
    Path tmp;

    private Path clientClasspath;

    @BeforeEach
    void setUp() throws IOException {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        clientClasspath = tmp.resolve("cp");
        Path pkg = Files.createDirectories(clientClasspath.resolve("io/crifailover/sniffer"));
        Path compiled = Path.of(UnixLineClient.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .getPath())
                .resolve("io/crifailover/sniffer/UnixLineClient.class");
        Files.copy(compiled, pkg.resolve("UnixLineClient.class"));
        Files.createDirectories(tmp.resolve("captures"));
    }

    private String connectAs(String uid, Path socket) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (uid != null) {
            cmd.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups"));
        }
        cmd.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                clientClasspath.toString(),
                "io.crifailover.sniffer.UnixLineClient",
                socket.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            return out.trim();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void nonRootPeerIsRefusedByCredentialCheckEvenIfTheSocketFileIsOpen() throws Exception {
        DebugServer.Options open = new DebugServer.Options(10, Duration.ofMillis(50), "rw-rw-rw-");
        try (DebugServer server =
                DebugServer.start(tmp.resolve("open.sock"), new CaptureStore(tmp.resolve("captures")), open)) {
            assertThat(connectAs(NOBODY, server.socketPath()))
                    .contains("\"error\"")
                    .contains("permission denied")
                    .contains("peer uid is 65534");
            assertThat(connectAs(null, server.socketPath())).isEqualTo(DebugServer.LIVE_MARKER);
        }
    }

    @Test
    void defaultSocketModeKeepsNonRootOutAlready() throws Exception {
        try (DebugServer server = DebugServer.start(
                tmp.resolve("default.sock"),
                new CaptureStore(tmp.resolve("captures")),
                DebugServer.Options.defaults())) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(server.socketPath())))
                    .isEqualTo("rw-------");
            assertThat(connectAs(NOBODY, server.socketPath())).startsWith("connect failed");
        }
    }
}
