package io.crifailover.installer;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/** Runs a command on the host (systemctl, mostly). Pluggable so tests can record instead. */
public interface HostCommands {

    /** Runs {@code argv} on the host and fails with the command's output when it exits non-zero. */
    void run(List<String> argv) throws IOException;

    /**
     * Runs a read-only query ({@code crio status config}) and returns its standard output, or empty
     * when it cannot run here or exits non-zero (the caller then falls back to reading files).
     */
    default Optional<String> output(List<String> argv) {
        return Optional.empty();
    }
}
