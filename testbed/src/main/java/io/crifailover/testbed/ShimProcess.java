package io.crifailover.testbed;

import io.crifailover.installer.InstallSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * The shim of one bed node, run as its own JVM inside the node's network namespace
 * ({@code nsenter --net}), with the same class path as this JVM. Can be killed (SIGKILL) and
 * started again with the same arguments, like a crashing daemon under systemd.
 */
public final class ShimProcess implements AutoCloseable {
    private final List<String> command;
    private final Path socket;
    private final Path log;
    private Process process;

    private ShimProcess(List<String> command, Path socket, Path log) {
        this.command = command;
        this.socket = socket;
        this.log = log;
    }

    /** Starts {@code cri-failover shim <args>} in {@code netnsPath}; returns when its socket exists. */
    /**
     * The shim JVM's options, as the installer's service unit sets them (with a heap cap for four
     * shims on one machine); system property {@code crif.shim.javaOpts} overrides them. Not C1-only:
     * packing, hashing and replicating checkpoint images runs about twice as fast with C2 (measured
     * with redis holding 100 MiB: pack and store 2.4 -> 0.7-1.2 s, replicate 3.6-4.9 -> 1.6-2.6 s).
     */
    static final String JAVA_OPTIONS = "-Xmx256m " + InstallSettings.DEFAULT_JAVA_OPTIONS;

    public static ShimProcess start(Path netnsPath, Path socket, Path log, List<String> shimArgs) {
        List<String> command = new ArrayList<>(List.of(
                "nsenter",
                "--net=" + netnsPath,
                "--",
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(
                System.getProperty("crif.shim.javaOpts", JAVA_OPTIONS).trim().split("\\s+")));
        command.addAll(List.of(
                "-cp", System.getProperty("java.class.path"), "io.crifailover.shim.cli.CriFailoverCli", "shim"));
        command.addAll(shimArgs);
        ShimProcess shim = new ShimProcess(command, socket, log);
        shim.launch();
        return shim;
    }

    public void launch() {
        try {
            Files.deleteIfExists(socket);
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Process started = process;
        try {
            Awaitility.await("shim socket " + socket)
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        if (!started.isAlive()) {
                            throw new IllegalStateException("shim exited with " + started.exitValue() + "; log " + log);
                        }
                        return Files.exists(socket);
                    });
        } catch (RuntimeException e) {
            kill();
            throw e;
        }
    }

    public Path socket() {
        return socket;
    }

    public Path log() {
        return log;
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL, no shutdown hooks: a crash. */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            BedNode.waitQuietly(process, 10);
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    kill();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill();
            }
        }
    }
}
