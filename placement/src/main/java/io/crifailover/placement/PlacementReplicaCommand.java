package io.crifailover.placement;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code placement-replica}: runs one replica of the placement cluster as its own process. Prints
 * {@code READY <id>} once started. With {@code --stdin-control} it answers {@code digest} lines on stdin with
 * {@code DIGEST <sha256> <applied-commands>}, {@code status} lines with {@code STATUS }{@link ReplicaStatus#line()} and exits when stdin closes (so it never outlives its parent).
 */
@Command(
        name = "placement-replica",
        mixinStandardHelpOptions = true,
        description = "Run one BFT-SMaRt replica of the cri-failover placement state machine.")
public final class PlacementReplicaCommand implements Callable<Integer> {
    @Option(names = "--id", required = true, description = "Replica id (as in hosts.config).")
    int id;

    @Option(names = "--config", required = true, description = "Directory with hosts.config and system.config.")
    Path config;

    @Option(names = "--stdin-control", description = "Answer 'digest' on stdin; exit when stdin closes.")
    boolean stdinControl;

    public static void main(String[] args) {
        System.exit(new CommandLine(new PlacementReplicaCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        return serve(PlacementReplicaServer.start(id, config), stdinControl);
    }

    /** Announces readiness and serves stdin control until it closes, or forever without control. */
    public static int serve(PlacementReplicaServer server, boolean stdinControl) throws Exception {
        PrintStream out = System.out;
        out.println("READY " + server.id());
        out.flush();
        if (!stdinControl) {
            Thread.currentThread().join();
            return 0;
        }
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.trim().equals("digest")) {
                    PlacementReplica service = server.service();
                    synchronized (service) {
                        out.println("DIGEST " + service.digest() + " " + service.appliedCommands());
                    }
                    out.flush();
                } else if (line.trim().equals("status")) {
                    ReplicaStatus status = server.status();
                    out.println("STATUS " + (status == null ? "none" : status.line()));
                    out.flush();
                }
            }
        }
        server.close();
        return 0;
    }
}
