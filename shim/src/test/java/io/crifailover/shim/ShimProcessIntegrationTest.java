package io.crifailover.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.crifailover.protos.cri.RuntimeServiceGrpc;
import io.crifailover.protos.cri.VersionRequest;
import io.crifailover.shim.transport.SocketFile;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cri-failover shim} as its own process: start time, serving, SIGTERM. */
@Tag("integration")
class ShimProcessIntegrationTest {

    private static final Pattern READY = Pattern.compile("socket ready (\\d+) ms after process start");

    @TempDir
    Path dir;

    @Test
    void startsFastServesAndCleansUpOnSigterm() throws Exception {
        Path socket = dir.resolve("run/cri-failover/cri.sock");
        Path log = dir.resolve("shim.log");
        try (FakeRuntime runtime = new FakeRuntime(dir.resolve("runtime.sock")).start()) {
            String java =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process shim = new ProcessBuilder(
                            java,
                            "-XX:+UseSerialGC",
                            "-cp",
                            System.getProperty("java.class.path"),
                            "io.crifailover.shim.cli.CriFailoverCli",
                            "shim",
                            "--listen",
                            "unix://" + socket,
                            "--runtime",
                            "unix://" + runtime.socket,
                            "--metrics-address",
                            "none")
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            try {
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(10))
                        .until(() -> SocketFile.accepts(socket) || !shim.isAlive());
                assertThat(shim.isAlive())
                        .as("shim is running; log:%n%s", Files.readString(log))
                        .isTrue();
                // The socket is bound with the umask's mode (connecting needs write permission, which
                // only root has then) and narrowed to 0660 before the daemon reports it ready.
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> READY.matcher(Files.readString(log)).find());
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
                        .isEqualTo("rw-rw----");
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())))
                        .isEqualTo("rwxr-x---");

                ManagedChannel channel = UnixChannels.open(socket);
                try {
                    assertThat(RuntimeServiceGrpc.newBlockingStub(channel)
                                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                                    .version(VersionRequest.getDefaultInstance())
                                    .getRuntimeName())
                            .isEqualTo("fake");
                } finally {
                    UnixChannels.close(channel);
                }
                Matcher ready = READY.matcher(Files.readString(log));
                assertThat(ready.find()).isTrue();
                System.out.println("shim socket ready " + ready.group(1) + " ms after its process started");

                shim.destroy();
                assertThat(shim.waitFor(20, TimeUnit.SECONDS))
                        .as("exits after SIGTERM")
                        .isTrue();
                assertThat(socket).doesNotExist();
                assertThat(Files.readString(log)).contains("stopped; socket");
            } finally {
                if (shim.isAlive()) {
                    shim.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }
}
