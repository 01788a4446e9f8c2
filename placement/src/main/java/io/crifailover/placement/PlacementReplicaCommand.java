package io.crifailover.placement;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code placement-replica}: runs one replica of the placement cluster as its own process (the shim starts it
 * through {@link ReplicaProcess}). Prints {@code READY <id>} once started. When the replica is wedged it prints
 * {@code WEDGED <reason>} and the process ends at once with exit code {@value #WEDGED_EXIT} (its supervisor starts
 * a fresh one). With {@code --stdin-control} it answers {@code digest} lines on stdin with {@code DIGEST <sha256>
 * <applied-commands>} and {@code status} lines with {@code STATUS }{@link ReplicaStatus#line()} ({@code STATUS none}
 * while starting), and ends when stdin closes, from the start on; with {@code --parent-pid} it also ends when that
 * process is gone. So it never outlives its parent.
 */
@Command(
        name = "placement-replica",
        mixinStandardHelpOptions = true,
        description = "Run one BFT-SMaRt replica of the cri-failover placement state machine.")
public final class PlacementReplicaCommand implements Callable<Integer> {
    /** Exit code of a process whose replica was wedged. */
    public static final int WEDGED_EXIT = 3;

    @Option(names = "--id", required = true, description = "Replica id (as in hosts.config).")
    int id;

    @Option(names = "--config", required = true, description = "Directory with hosts.config and system.config.")
    Path config;

    @Option(names = "--stdin-control", description = "Answer 'digest' and 'status' on stdin; exit when stdin closes.")
    boolean stdinControl;

    @Option(names = "--parent-pid", description = "Exit when the process with this id is gone.")
    Long parentPid;

    public static void main(String[] args) {
        System.exit(new CommandLine(new PlacementReplicaCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        return run(id, config, PlacementReplica::new, stdinControl, parentPid);
    }

    /**
     * Runs replica {@code id} with a service from {@code factory} until stdin closes (with {@code stdinControl}), the
     * parent is gone, or for ever; also the entry point of test replicas with another service.
     */
    public static int run(
            int id, Path config, PlacementReplicaServer.ReplicaFactory factory, boolean stdinControl, Long parentPid)
            throws Exception {
        PrintStream out = System.out;
        AtomicReference<PlacementReplicaServer> server = new AtomicReference<>();
        if (parentPid != null) {
            watchParent(parentPid);
        }
        Thread control = null;
        if (stdinControl) {
            control = new Thread(() -> control(server, out), "placement-replica-control");
            control.setDaemon(true);
            control.start();
        }
        server.set(PlacementReplicaServer.start(id, config, factory, why -> wedged(out, why)));
        say(out, "READY " + id);
        if (control == null) {
            Thread.currentThread().join();
        } else {
            control.join();
        }
        return 0;
    }

    /** Answers control lines until stdin closes, then ends the process. */
    private static void control(AtomicReference<PlacementReplicaServer> server, PrintStream out) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                PlacementReplicaServer s = server.get();
                if (line.trim().equals("digest") && s != null) {
                    PlacementReplica service = s.service();
                    synchronized (service) {
                        say(out, "DIGEST " + service.digest() + " " + service.appliedCommands());
                    }
                } else if (line.trim().equals("status")) {
                    ReplicaStatus status = s == null ? null : s.status();
                    say(out, "STATUS " + (status == null ? "none" : status.line()));
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            System.err.println("placement replica control ended: " + e);
        }
        // stdin closed: the parent is gone or wants this replica ended; the OS closes its sockets
        Runtime.getRuntime().halt(0);
    }

    private static void watchParent(long pid) {
        ProcessHandle.of(pid)
                .map(ProcessHandle::onExit)
                .ifPresentOrElse(
                        exit -> exit.thenRun(() -> Runtime.getRuntime().halt(0)),
                        () -> Runtime.getRuntime().halt(0));
    }

    private static void wedged(PrintStream out, String why) {
        say(out, "WEDGED " + why.replace('\n', ' '));
        // a wedged thread may spin for ever or hold locks: no orderly shutdown, the supervisor starts a fresh one
        Runtime.getRuntime().halt(WEDGED_EXIT);
    }

    private static void say(PrintStream out, String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }
}
