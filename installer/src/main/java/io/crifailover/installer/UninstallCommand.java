package io.crifailover.installer;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code cri-failover uninstall}: points kubelet back at the runtime and removes the shim from the host. */
@Command(name = "uninstall",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Undo 'cri-failover install' on the host mounted at --host-root: restore kubelet's files and",
            "restart kubelet, stop the shim, then restore or remove every path the installation recorded.",
            ""
        })
public final class UninstallCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--host-root", paramLabel = "DIR", defaultValue = "/host",
            description = "Where the host's / is mounted. Default: ${DEFAULT-VALUE}")
    Path hostRoot;

    @Option(names = "--host-exec", paramLabel = "MODE", defaultValue = "nsenter", converter = HostExec.Converter.class,
            description = "How to run systemctl on the host: nsenter (needs hostPID), chroot, direct or none "
                    + "(only log). Default: ${DEFAULT-VALUE}")
    HostExec hostExec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            InstallReport report = new Uninstaller(new HostRoot(hostRoot), hostExec.commands(hostRoot)).uninstall();
            out.println("restored or removed " + report.changed().size() + " host paths");
            report.commands().forEach(c -> out.println("ran: " + String.join(" ", c)));
            report.warnings().forEach(w -> out.println("warning: " + w));
            out.flush();
            return 0;
        } catch (IOException | IllegalArgumentException e) {
            spec.commandLine().getErr().println("cri-failover uninstall: " + e.getMessage());
            return 1;
        }
    }
}
