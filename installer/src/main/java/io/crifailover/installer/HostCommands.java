package io.crifailover.installer;

import java.io.IOException;
import java.util.List;

/** Runs a command on the host (systemctl, mostly). Pluggable so tests can record instead. */
public interface HostCommands {

    /** Runs {@code argv} on the host and fails with the command's output when it exits non-zero. */
    void run(List<String> argv) throws IOException;
}
