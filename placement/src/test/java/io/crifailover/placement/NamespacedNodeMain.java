package io.crifailover.placement;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Test stand-in for one node's shim, run as its own process inside the node's network namespace: the node's
 * replica in a supervised child process ({@link ReplicaProcess}, its output in {@code node-<id>-replica.log} next to
 * the node's directory) and its client, heartbeating like the shim ({@link HeartbeatingNode}).
 * Control lines on stdin (a pipe, which a firewall rule does not cut): {@code status}, {@code age} (ms since the
 * node's last ordered request, or -1), {@code suspect NODE} (votes against NODE in its current epoch, again every
 * 200 ms until NODE is declared failed, then prints {@code VERDICT NODE}). Exits when stdin closes.
 */
public final class NamespacedNodeMain {
    private NamespacedNodeMain() {}

    public static void main(String[] args) throws Exception {
        int id = Integer.parseInt(args[0]);
        Path config = Path.of(args[1]);
        String name = args[2];
        PrintStream out = System.out;
        ReplicaProcess server = ReplicaProcess.start(
                id, config, ReplicaProcess.Options.defaults(config.resolveSibling("node-" + id + "-replica.log")));
        if (!server.awaitReady(Duration.ofSeconds(120))) {
            throw new IllegalStateException("replica " + id + " did not start within 120 s");
        }
        PlacementClient client = PlacementClient.connect(config, id, Duration.ofSeconds(1));
        HeartbeatingNode node = new HeartbeatingNode(name, client);
        Map<String, AtomicBoolean> voting = new ConcurrentHashMap<>();
        synchronized (out) {
            out.println("READY " + id);
            out.flush();
        }
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] cmd = line.trim().split(" ");
                String answer = switch (cmd[0]) {
                    case "status" -> {
                        ReplicaStatus s = freshStatus(server);
                        yield "STATUS " + (s == null ? "none" : s.line());
                    }
                    case "age" ->
                        "AGE "
                                + (node.lastSuccessNanos() == 0
                                        ? -1
                                        : (System.nanoTime() - node.lastSuccessNanos()) / 1_000_000);
                    case "suspect" -> {
                        AtomicBoolean stop = new AtomicBoolean();
                        AtomicBoolean previous = voting.put(cmd[1], stop);
                        if (previous != null) {
                            previous.set(true);
                        }
                        Thread voter = new Thread(() -> vote(client, name, cmd[1], stop, out), "vote-" + cmd[1]);
                        voter.setDaemon(true);
                        voter.start();
                        yield null;
                    }
                    default -> "UNKNOWN " + line;
                };
                if (answer != null) {
                    synchronized (out) {
                        out.println(answer);
                        out.flush();
                    }
                }
            }
        }
        voting.values().forEach(v -> v.set(true));
        node.close();
        server.close();
        System.exit(0);
    }

    private static ReplicaStatus freshStatus(ReplicaProcess replica) {
        try {
            return replica.freshStatus(Duration.ofSeconds(2));
        } catch (java.io.IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Like the shim's failure detector: vote in the node's current epoch until the verdict is there. */
    private static void vote(
            PlacementClient client, String reporter, String suspect, AtomicBoolean stop, PrintStream out) {
        while (!stop.get()) {
            try {
                NodeInfo info = client.nodes().stream()
                        .filter(n -> n.name().equals(suspect))
                        .findFirst()
                        .orElse(null);
                if (info != null) {
                    NodeStatus status = info.status() == NodeStatus.FAILED
                            ? NodeStatus.FAILED
                            : client.suspect(reporter, suspect, info.epoch()).status();
                    if (status == NodeStatus.FAILED) {
                        synchronized (out) {
                            out.println("VERDICT " + suspect);
                            out.flush();
                        }
                        return;
                    }
                }
            } catch (RuntimeException e) {
                // placement unreachable for now: try again
            }
            try {
                // a periodic client: its period is the subject, not a wait for an event
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
