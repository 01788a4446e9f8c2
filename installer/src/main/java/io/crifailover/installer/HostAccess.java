package io.crifailover.installer;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options install and uninstall share: where the host's / is mounted and how commands reach it. */
public final class HostAccess {

    @Option(
            names = "--host-root",
            paramLabel = "DIR",
            defaultValue = "/host",
            description = "Where the host's / is mounted. Default: ${DEFAULT-VALUE}")
    Path hostRoot;

    @Option(
            names = "--host-exec",
            paramLabel = "MODE",
            defaultValue = "nsenter",
            converter = HostExec.Converter.class,
            description = "How to run systemctl on the host: nsenter (needs hostPID), chroot, direct or none "
                    + "(only log). Default: ${DEFAULT-VALUE}")
    HostExec hostExec;

    HostRoot root() {
        return new HostRoot(hostRoot);
    }

    HostCommands commands() {
        return hostExec.commands(hostRoot);
    }
}
