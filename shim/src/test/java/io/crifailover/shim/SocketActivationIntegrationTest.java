package io.crifailover.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.ListenableFuture;
import io.crifailover.protos.cri.RuntimeServiceGrpc;
import io.crifailover.protos.cri.VersionRequest;
import io.crifailover.protos.cri.VersionResponse;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cri-failover shim} started by the real {@code systemd-socket-activate}, which binds the
 * socket first and execs the shim (same pid, {@code LISTEN_PID}/{@code LISTEN_FDS}/{@code LISTEN_FDNAMES}
 * set) only when the first connection arrives: that connection, opened before the shim existed,
 * must be served, and so must later ones; on SIGTERM the socket file stays.
 */
@Tag("integration")
class SocketActivationIntegrationTest {

    private static final String ACTIVATE = "/usr/bin/systemd-socket-activate";

    @TempDir
    Path dir;

    @Test
    void shimServesTheSocketSystemdPassedIncludingTheConnectionThatStartedIt() throws Exception {
        assertThat(Path.of(ACTIVATE)).as("systemd-socket-activate installed").isExecutable();
        Path socket = dir.resolve("run/cri.sock");
        Files.createDirectories(socket.getParent());
        Path log = dir.resolve("shim.log");
        try (FakeRuntime runtime = new FakeRuntime(dir.resolve("runtime.sock")).start()) {
            String java =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            // systemd-socket-activate passes no environment but LISTEN_* (and -E): absolute paths only.
            Process activator = new ProcessBuilder(List.of(
                            ACTIVATE,
                            "--listen=" + socket,
                            "--fdname=cri",
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
                            "none"))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            ManagedChannel channel = null;
            try {
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(10))
                        .until(() -> Files.exists(socket) || !activator.isAlive());
                assertThat(activator.isAlive())
                        .as("systemd-socket-activate runs; log:%n%s", Files.readString(log))
                        .isTrue();
                assertThat(command(activator))
                        .as("the shim is not started before a connection arrives")
                        .endsWith("systemd-socket-activate");

                channel = UnixChannels.open(socket);
                ListenableFuture<VersionResponse> first = RuntimeServiceGrpc.newFutureStub(channel)
                        .withDeadlineAfter(60, TimeUnit.SECONDS)
                        .version(VersionRequest.newBuilder().setVersion("v1").build());
                VersionResponse answer = first.get(90, TimeUnit.SECONDS);
                assertThat(answer.getRuntimeName()).isEqualTo("fake");
                assertThat(command(activator))
                        .as("exec'ed in place: same pid, now the JVM")
                        .isEqualTo(java);
                String started = Files.readString(log);
                assertThat(started)
                        .contains("Communication attempt on fd 3")
                        .contains("serving unix://" + socket + " (socket activation, fd 3 (cri) of 1 passed")
                        .doesNotContain("removed stale socket");

                assertThat(RuntimeServiceGrpc.newBlockingStub(channel)
                                .withDeadlineAfter(10, TimeUnit.SECONDS)
                                .version(VersionRequest.getDefaultInstance())
                                .getRuntimeName())
                        .isEqualTo("fake");

                activator.destroy();
                assertThat(activator.waitFor(30, TimeUnit.SECONDS))
                        .as("exits after SIGTERM; log:%n%s", Files.readString(log))
                        .isTrue();
                assertThat(socket)
                        .as("the service manager's socket file is not unlinked")
                        .exists();
                assertThat(Files.readString(log))
                        .contains("stopped; socket " + socket + " left to the service manager");
            } finally {
                if (channel != null) {
                    UnixChannels.close(channel);
                }
                if (activator.isAlive()) {
                    activator.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
                Files.deleteIfExists(socket);
            }
        }
    }

    private static String command(Process process) {
        return ProcessHandle.of(process.pid()).flatMap(p -> p.info().command()).orElse("?");
    }
}
