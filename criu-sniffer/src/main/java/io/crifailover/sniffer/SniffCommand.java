package io.crifailover.sniffer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cri-failover sniff}: switch the CRIU sniffer on/off and read what it recorded. */
@Command(
        name = "sniff",
        mixinStandardHelpOptions = true,
        description = "Record and read the runc <-> CRIU RPC (criu stand-in).",
        subcommands = {
            SniffCommand.On.class,
            SniffCommand.Off.class,
            SniffCommand.Status.class,
            SniffCommand.ListCaptures.class,
            SniffCommand.Show.class,
            SniffCommand.Tail.class,
            SniffCommand.Serve.class
        })
public final class SniffCommand implements Runnable {
    public static final Path DEFAULT_SOCKET = Path.of("/run/cri-failover/sniffer.sock");

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Entry point for running the command on its own. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new SniffCommand()).execute(args));
    }

    /** Options shared by the subcommands. */
    static final class Locations {
        @Option(names = "--dir", description = "capture directory (default: ${DEFAULT-VALUE})")
        Path dir = Path.of(SnifferSettings.DEFAULT_CAPTURE_DIR);

        @Option(names = "--socket", description = "debug socket (default: ${DEFAULT-VALUE})")
        Path socket = DEFAULT_SOCKET;

        @Option(names = "--flag", description = "flag file that turns sniffing on (default: ${DEFAULT-VALUE})")
        Path flag = SniffSwitch.DEFAULT_FLAG;
    }

    @Command(name = "on", description = "Sniff every CRIU run on this node from now on.")
    static final class On implements Callable<Integer> {
        @Mixin
        Locations loc;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            new SniffSwitch(loc.flag).on();
            spec.commandLine().getOut().println("sniffing on (" + loc.flag + ")");
            return 0;
        }
    }

    @Command(name = "off", description = "Run the real CRIU directly again.")
    static final class Off implements Callable<Integer> {
        @Mixin
        Locations loc;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            new SniffSwitch(loc.flag).off();
            spec.commandLine().getOut().println("sniffing off");
            return 0;
        }
    }

    @Command(name = "status", description = "Is sniffing on?")
    static final class Status implements Callable<Integer> {
        @Mixin
        Locations loc;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getOut().println(new SniffSwitch(loc.flag).isOn() ? "on" : "off");
            return 0;
        }
    }

    @Command(name = "list", description = "List recorded operations: id, request type, duration, result.")
    static final class ListCaptures implements Callable<Integer> {
        @Mixin
        Locations loc;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            for (Path f : new CaptureStore(loc.dir).files()) {
                Capture c = Capture.read(f);
                out.println(Transcript.of(c).summaryLine() + (c.tornTail() ? "  (torn tail)" : ""));
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "show", description = "Print one operation's transcript with per-phase durations.")
    static final class Show implements Callable<Integer> {
        @Mixin
        Locations loc;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "OP", description = "operation id (or unique prefix, or path of a capture file)")
        String op;

        @Option(names = "--json", description = "decoded JSON lines instead of text")
        boolean json;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            Capture c;
            try {
                c = Capture.read(new CaptureStore(loc.dir).resolve(op));
            } catch (IllegalArgumentException ex) {
                spec.commandLine().getErr().println(ex.getMessage());
                return 1;
            }
            Transcript t = Transcript.of(c);
            if (json) {
                t.entries().forEach(n -> out.println(n.toString()));
            } else {
                out.print(t.render());
                if (c.tornTail()) {
                    out.println("(capture ends in a torn line: the sniffer was killed while writing)");
                }
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "tail", description = "Follow the debug socket: recent history, then live events.")
    static final class Tail implements Callable<Integer> {
        @Mixin
        Locations loc;

        @Spec
        CommandSpec spec;

        @Option(names = "--json", description = "print the decoded JSON lines as received")
        boolean json;

        @Option(names = "--no-follow", description = "stop after the history")
        boolean noFollow;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            TailPrinter printer = new TailPrinter(out, json);
            int[] rc = {0};
            DebugClient.stream(loc.socket, line -> {
                JsonNode n = printer.parse(line);
                if (n != null && n.has("error")) {
                    spec.commandLine().getErr().println(n.get("error").asText());
                    rc[0] = 1;
                    return false;
                }
                if (DebugServer.LIVE_MARKER.equals(line)) {
                    out.flush();
                    return !noFollow;
                }
                printer.print(line, n);
                return true;
            });
            return rc[0];
        }
    }

    @Command(name = "serve", description = "Serve the debug socket (root-only) until interrupted.")
    static final class Serve implements Callable<Integer> {
        @Mixin
        Locations loc;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException, InterruptedException {
            try (DebugServer s =
                    DebugServer.start(loc.socket, new CaptureStore(loc.dir), DebugServer.Options.defaults())) {
                spec.commandLine().getOut().println("serving " + s.socketPath() + " from " + loc.dir);
                spec.commandLine().getOut().flush();
                CountDownLatch forever = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(forever::countDown));
                forever.await();
            }
            return 0;
        }
    }

    /** Prints streamed events for people, with phase durations once an operation's reply arrives. */
    static final class TailPrinter {
        private final PrintWriter out;
        private final boolean json;
        private final Map<String, List<ObjectNode>> open = new HashMap<>();

        TailPrinter(PrintWriter out, boolean json) {
            this.out = out;
            this.json = json;
        }

        JsonNode parse(String line) {
            try {
                return Json.MAPPER.readTree(line);
            } catch (IOException ex) {
                return null;
            }
        }

        void print(String line, JsonNode n) {
            if (json || n == null || !n.isObject()) {
                out.println(line);
                out.flush();
                return;
            }
            String op = n.path("op").asText();
            List<ObjectNode> events = open.computeIfAbsent(op, k -> new ArrayList<>());
            events.add((ObjectNode) n);
            long t0 = events.get(0).path("mono_ns").asLong();
            out.printf("%s +%9.3f ms  %s%n", op, (n.path("mono_ns").asLong() - t0) / 1e6, Transcript.describe(n));
            if ("exit".equals(n.path("kind").asText())) {
                Transcript t = Transcript.ofDecoded(op, events);
                t.phaseNanos().forEach((k, v) -> out.printf("%s   phase %-34s %9.3f ms%n", op, k, v / 1e6));
                open.remove(op);
            }
            out.flush();
        }
    }
}
