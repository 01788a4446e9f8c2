package io.crifailover.installer;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code cri-failover uninstall}: points kubelet back at the runtime and removes the shim from the host. */
@Command(
        name = "uninstall",
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

    @Mixin
    HostAccess host;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            InstallReport report = new Uninstaller(host.root(), host.commands()).uninstall();
            out.println("restored or removed " + report.changed().size() + " host paths");
            report.printCommandsAndWarnings(out);
            out.flush();
            return 0;
        } catch (IOException | IllegalArgumentException e) {
            spec.commandLine().getErr().println("cri-failover uninstall: " + e.getMessage());
            return 1;
        }
    }
}
