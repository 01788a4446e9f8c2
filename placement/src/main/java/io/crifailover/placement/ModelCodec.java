package io.crifailover.placement;

/**
 * Binary form of the model records, shared by results and snapshots. Nodes and checkpoints carry CRIU readiness and
 * xsave facts since issue 13 (result tag NODES_V2, snapshot version 2); the {@code V1} readers read the older form.
 */
final class ModelCodec {
    private ModelCodec() {}

    static void writeNode(WireOutput out, NodeInfo n) {
        out.str(n.name())
                .str(n.address())
                .str(n.arch())
                .strings(n.cpuFlags())
                .i32(n.capacity())
                .i32(n.load())
                .tag(n.status().ordinal())
                .i64(n.epoch())
                .i32(n.clientId())
                .bool(n.criuReady());
        writeXsave(out, n.xsave());
    }

    static NodeInfo readNode(WireInput in) {
        return new NodeInfo(
                in.str(),
                in.str(),
                in.str(),
                in.strings(),
                in.i32(),
                in.i32(),
                in.enumValue(NodeStatus.class),
                in.i64(),
                in.i32(),
                in.bool(),
                readXsave(in));
    }

    static NodeInfo readNodeV1(WireInput in) {
        return new NodeInfo(
                in.str(),
                in.str(),
                in.str(),
                in.strings(),
                in.i32(),
                in.i32(),
                in.enumValue(NodeStatus.class),
                in.i64(),
                in.i32());
    }

    static void writeCheckpoint(WireOutput out, CheckpointRecord c) {
        out.str(c.containerId())
                .str(c.digest())
                .i64(c.sequence())
                .str(c.sourceNode())
                .str(c.arch())
                .strings(c.cpuFlags())
                .strings(c.holders());
        writeXsave(out, c.xsave());
    }

    static CheckpointRecord readCheckpoint(WireInput in) {
        return new CheckpointRecord(
                in.str(), in.str(), in.i64(), in.str(), in.str(), in.strings(), in.strings(), readXsave(in));
    }

    static CheckpointRecord readCheckpointV1(WireInput in) {
        return new CheckpointRecord(in.str(), in.str(), in.i64(), in.str(), in.str(), in.strings(), in.strings());
    }

    static void writeXsave(WireOutput out, Xsave x) {
        out.i64(x.features()).i32(x.size()).i32(x.maxSize());
    }

    static Xsave readXsave(WireInput in) {
        return new Xsave(in.i64(), in.i32(), in.i32());
    }

    static void writeDecision(WireOutput out, RestoreDecision d) {
        out.str(d.containerId())
                .i64(d.decisionId())
                .str(d.failedNode())
                .i64(d.failedEpoch())
                .str(d.target())
                .tag(d.status().ordinal())
                .str(d.checkpointDigest())
                .i64(d.checkpointSequence())
                .str(d.reason());
    }

    static RestoreDecision readDecision(WireInput in) {
        return new RestoreDecision(
                in.str(),
                in.i64(),
                in.str(),
                in.i64(),
                in.str(),
                in.enumValue(DecisionStatus.class),
                in.str(),
                in.i64(),
                in.str());
    }

    static void writeEvent(WireOutput out, PlacementEvent e) {
        out.i64(e.sequence()).tag(e.kind().ordinal()).str(e.subject()).str(e.detail());
    }

    static PlacementEvent readEvent(WireInput in) {
        return new PlacementEvent(in.i64(), in.enumValue(PlacementEvent.Kind.class), in.str(), in.str());
    }

    /** Runs a decode step, turning record validation failures into {@link MalformedMessageException}. */
    static <T> T decode(String what, java.util.function.Supplier<T> step) {
        try {
            return step.get();
        } catch (MalformedMessageException e) {
            throw e;
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new MalformedMessageException("malformed " + what + ": " + e.getMessage());
        }
    }
}
