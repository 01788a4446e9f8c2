package io.crifailover.placement;

/**
 * Deterministic binary encoding of {@link Command}s: one tag byte, then the fields in declaration order. A command
 * whose fields change gets a new tag; the old tag stays decodable (tag 1, a registration without CRIU readiness
 * and xsave, reads as "ready, xsave not measured").
 */
public final class CommandCodec {
    private static final int REGISTER = 1;
    private static final int LOAD = 2;
    private static final int SUSPECT = 3;
    private static final int HEARTBEAT = 4;
    private static final int CHECKPOINT = 5;
    private static final int STANDBYS = 6;
    private static final int ACK = 7;
    private static final int DECISIONS = 8;
    private static final int NODES = 9;
    private static final int EVENTS = 10;
    private static final int FORGET = 11;
    /** RegisterNode with CRIU readiness and xsave facts (since issue 13). */
    private static final int REGISTER_V2 = 12;
    /** Several checkpoints of one source node (since issue 18). */
    private static final int CHECKPOINTS = 13;

    private CommandCodec() {}

    public static byte[] encode(Command command) {
        WireOutput out = new WireOutput();
        if (command instanceof Command.RegisterNode c) {
            out.tag(REGISTER_V2)
                    .str(c.name())
                    .str(c.address())
                    .str(c.arch())
                    .strings(c.cpuFlags())
                    .i32(c.capacity())
                    .bool(c.criuReady());
            ModelCodec.writeXsave(out, c.xsave());
        } else if (command instanceof Command.ReportLoad c) {
            out.tag(LOAD).str(c.node()).i32(c.load());
        } else if (command instanceof Command.Suspect c) {
            out.tag(SUSPECT).str(c.reporter()).str(c.node()).i64(c.epoch());
        } else if (command instanceof Command.Heartbeat c) {
            out.tag(HEARTBEAT).str(c.node());
        } else if (command instanceof Command.RecordCheckpoint c) {
            out.tag(CHECKPOINT)
                    .str(c.containerId())
                    .str(c.digest())
                    .i64(c.sequence())
                    .str(c.sourceNode())
                    .strings(c.cpuFlags())
                    .strings(c.holders());
        } else if (command instanceof Command.RecordCheckpoints c) {
            out.tag(CHECKPOINTS).str(c.sourceNode()).i32(c.entries().size());
            for (Command.CheckpointEntry e : c.entries()) {
                out.str(e.containerId())
                        .str(e.digest())
                        .i64(e.sequence())
                        .strings(e.cpuFlags())
                        .strings(e.holders());
            }
        } else if (command instanceof Command.AssignStandbys c) {
            out.tag(STANDBYS).str(c.containerId()).str(c.sourceNode()).i32(c.count());
        } else if (command instanceof Command.AckRestore c) {
            out.tag(ACK).str(c.containerId()).i64(c.decisionId()).str(c.target());
        } else if (command instanceof Command.ForgetContainer c) {
            out.tag(FORGET).str(c.containerId()).str(c.node());
        } else if (command instanceof Command.QueryDecisions c) {
            out.tag(DECISIONS).str(c.target());
        } else if (command instanceof Command.QueryNodes) {
            out.tag(NODES);
        } else if (command instanceof Command.QueryEvents c) {
            out.tag(EVENTS).i64(c.afterSequence());
        } else {
            throw new IllegalArgumentException("unknown command " + command);
        }
        return out.toByteArray();
    }

    /** @throws MalformedMessageException naming what was wrong */
    public static Command decode(byte[] bytes) {
        WireInput in = new WireInput(bytes, "command");
        Command command = ModelCodec.decode("command", () -> {
            int tag = in.tag();
            return switch (tag) {
                case REGISTER -> new Command.RegisterNode(in.str(), in.str(), in.str(), in.strings(), in.i32());
                case REGISTER_V2 ->
                    new Command.RegisterNode(
                            in.str(), in.str(), in.str(), in.strings(), in.i32(), in.bool(), ModelCodec.readXsave(in));
                case LOAD -> new Command.ReportLoad(in.str(), in.i32());
                case SUSPECT -> new Command.Suspect(in.str(), in.str(), in.i64());
                case HEARTBEAT -> new Command.Heartbeat(in.str());
                case CHECKPOINT ->
                    new Command.RecordCheckpoint(in.str(), in.str(), in.i64(), in.str(), in.strings(), in.strings());
                case CHECKPOINTS ->
                    new Command.RecordCheckpoints(
                            in.str(),
                            ResultCodec.readList(
                                    in,
                                    () -> new Command.CheckpointEntry(
                                            in.str(), in.str(), in.i64(), in.strings(), in.strings())));
                case STANDBYS -> new Command.AssignStandbys(in.str(), in.str(), in.i32());
                case ACK -> new Command.AckRestore(in.str(), in.i64(), in.str());
                case DECISIONS -> new Command.QueryDecisions(in.str());
                case NODES -> new Command.QueryNodes();
                case EVENTS -> new Command.QueryEvents(in.i64());
                case FORGET -> new Command.ForgetContainer(in.str(), in.str());
                default -> throw in.fail("unknown command tag " + tag);
            };
        });
        in.end();
        return command;
    }
}
