package io.crifailover.failover;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Tells whether the runtime's dump of a container is still running after the shim stopped waiting for it, from
 * {@code /proc}: an OCI runtime process ({@code runc ... checkpoint ... <id>}) for that container is alive, or the
 * container's init process is still ptrace-attached (its {@code TracerPid}; CRIU seizes every task it dumps, and a
 * CRIU that hangs keeps them seized even after the runtime that started it was killed).
 */
public class RunningDumps {
    private final Path proc;

    public RunningDumps(Path proc) {
        this.proc = proc;
    }

    /**
     * What shows that a dump of {@code containerId} still runs, or empty.
     *
     * @param initPid the container's init process as the runtime reported it, 0 if unknown
     */
    public Optional<String> evidence(String containerId, long initPid) {
        Optional<String> runtime = runtimeCheckpointProcess(containerId);
        if (runtime.isPresent()) {
            return runtime;
        }
        if (initPid > 0) {
            long tracer = tracerPid(initPid);
            if (tracer > 0) {
                return Optional.of("init " + initPid + " is ptrace-attached by " + tracer + " (" + comm(tracer) + ")");
            }
        }
        return Optional.empty();
    }

    private Optional<String> runtimeCheckpointProcess(String containerId) {
        try (Stream<Path> entries = Files.list(proc)) {
            return entries.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> isCheckpointOf(cmdline(p), containerId))
                    .findFirst()
                    .map(p -> "runtime process " + p.getFileName() + " (" + String.join(" ", cmdline(p)) + ")");
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** {@code <runtime> [global options] checkpoint [options] <id>}: the container id is the last argument. */
    static boolean isCheckpointOf(List<String> argv, String containerId) {
        return argv.size() >= 3
                && argv.contains("checkpoint")
                && argv.get(argv.size() - 1).equals(containerId);
    }

    private static List<String> cmdline(Path pidDir) {
        try {
            byte[] raw = Files.readAllBytes(pidDir.resolve("cmdline"));
            if (raw.length == 0) {
                return List.of();
            }
            return Arrays.asList(new String(raw, StandardCharsets.UTF_8).split("\0"));
        } catch (IOException e) {
            return List.of();
        }
    }

    long tracerPid(long pid) {
        try {
            for (String line :
                    Files.readAllLines(proc.resolve(Long.toString(pid)).resolve("status"))) {
                if (line.startsWith("TracerPid:")) {
                    return Long.parseLong(line.substring("TracerPid:".length()).trim());
                }
            }
        } catch (NoSuchFileException gone) {
            return 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    private String comm(long pid) {
        try {
            return Files.readString(proc.resolve(Long.toString(pid)).resolve("comm"))
                    .trim();
        } catch (IOException e) {
            return "?";
        }
    }
}
