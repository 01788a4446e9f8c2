package io.crifailover.installer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs host commands as processes behind a prefix that enters the host: {@code nsenter} into PID 1's
 * namespaces (the DaemonSet runs with {@code hostPID}), or {@code chroot} into the host root.
 */
public final class ProcessHostCommands implements HostCommands {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessHostCommands.class);
    private static final long TIMEOUT_SECONDS = 120;

    private final List<String> prefix;

    private ProcessHostCommands(List<String> prefix) {
        this.prefix = List.copyOf(prefix);
    }

    /** {@code nsenter -t 1 -m -u -i -n -p -- argv}: the host's own mount, UTS, IPC, net and PID namespaces. */
    public static ProcessHostCommands nsenter() {
        return new ProcessHostCommands(List.of("nsenter", "-t", "1", "-m", "-u", "-i", "-n", "-p", "--"));
    }

    /** {@code chroot HOSTROOT argv}: the host's binaries; systemctl reaches systemd through the host's /run. */
    public static ProcessHostCommands chroot(Path hostRoot) {
        return new ProcessHostCommands(List.of("chroot", hostRoot.toString()));
    }

    /** Runs commands directly (the installer already runs on the host). */
    public static ProcessHostCommands direct() {
        return new ProcessHostCommands(List.of());
    }

    @Override
    public void run(List<String> argv) throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(argv);
        LOG.info("running on the host: {}", String.join(" ", command));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(
                        "'" + String.join(" ", command) + "' did not finish in " + TIMEOUT_SECONDS + " s");
            }
            if (process.exitValue() != 0) {
                throw new IOException("'" + String.join(" ", command) + "' exited with " + process.exitValue() + ": "
                        + new String(output, StandardCharsets.UTF_8).strip());
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + String.join(" ", command), e);
        }
    }

    @Override
    public Optional<String> output(List<String> argv) {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(argv);
        try {
            Process process = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return Optional.empty();
            }
            return process.exitValue() == 0
                    ? Optional.of(new String(output, StandardCharsets.UTF_8))
                    : Optional.empty();
        } catch (IOException e) {
            LOG.info("cannot run {} on the host: {}", String.join(" ", command), e.toString());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
