package io.crifailover.shim.cli;

import io.crifailover.image.cli.ImageCommand;
import io.crifailover.installer.InstallCommand;
import io.crifailover.installer.UninstallCommand;
import io.crifailover.placement.PlacementReplicaCommand;
import io.crifailover.sniffer.SniffCommand;
import io.crifailover.store.StoreCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code cri-failover} command; each part of the system is a subcommand. */
@Command(
        name = "cri-failover",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        usageHelpWidth = 100,
        description = {
            "Keeps stateful pods alive across node failures by sitting between kubelet and the",
            "container runtime.",
            "",
            "Start with the 'shim' command, then point kubelet's --container-runtime-endpoint at",
            "the shim's socket. 'cri-failover help <command>' shows the options of a command.",
            ""
        },
        subcommands = {
            ShimCommand.class,
            StatusCommand.class,
            ImageCommand.class,
            StoreCommand.class,
            PlacementReplicaCommand.class,
            SniffCommand.class,
            InstallCommand.class,
            UninstallCommand.class,
            CommandLine.HelpCommand.class
        })
public final class CriFailoverCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** A command line with the shared error handling, for {@link #main} and tests. */
    public static CommandLine commandLine() {
        return new CommandLine(new CriFailoverCli()).setCaseInsensitiveEnumValuesAllowed(true);
    }

    public static void main(String[] args) {
        int exit = commandLine().execute(args);
        if (exit != 0 || args.length == 0 || !"shim".equals(args[0])) {
            System.exit(exit);
        }
    }
}
