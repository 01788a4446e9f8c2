package io.crifailover.placement;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Snapshot format of {@link PlacementState}: a version byte, then every sorted collection in order. Equal states
 * give equal bytes, so the SHA-256 of the snapshot is the state digest replicas are compared by. Version 2 (issue
 * 13) adds CRIU readiness and xsave facts to nodes and xsave facts to checkpoints; version 1 is still read.
 */
public final class StateCodec {
    private static final int VERSION = 2;
    private static final int VERSION_1 = 1;

    private StateCodec() {}

    public static byte[] snapshot(PlacementState s) {
        WireOutput out = new WireOutput()
                .tag(VERSION)
                .i32(s.f())
                .i64(s.nextDecisionId)
                .i64(s.nextEventSequence)
                .i64(s.appliedCommands);
        out.i32(s.nodes.size());
        s.nodes.values().forEach(n -> ModelCodec.writeNode(out, n));
        out.i32(s.suspicions.size());
        s.suspicions.forEach((node, reporters) -> out.str(node).strings(List.copyOf(reporters)));
        out.i32(s.checkpoints.size());
        s.checkpoints.values().forEach(c -> ModelCodec.writeCheckpoint(out, c));
        out.i32(s.homes.size());
        s.homes.forEach((container, node) -> out.str(container).str(node));
        out.i32(s.standbys.size());
        s.standbys.forEach((container, nodes) -> out.str(container).strings(nodes));
        out.i32(s.decisions.size());
        s.decisions.values().forEach(d -> ModelCodec.writeDecision(out, d));
        out.i32(s.events.size());
        s.events.forEach(e -> ModelCodec.writeEvent(out, e));
        return out.toByteArray();
    }

    /** @throws MalformedMessageException naming what was wrong */
    public static PlacementState restore(byte[] bytes) {
        WireInput in = new WireInput(bytes, "snapshot");
        PlacementState s = ModelCodec.decode("snapshot", () -> {
            int version = in.tag();
            boolean v1 = version == VERSION_1;
            if (version != VERSION && !v1) {
                throw in.fail("unsupported snapshot version " + version);
            }
            PlacementState state = new PlacementState(in.i32());
            state.nextDecisionId = in.i64();
            state.nextEventSequence = in.i64();
            state.appliedCommands = in.i64();
            for (NodeInfo n :
                    ResultCodec.readList(in, () -> v1 ? ModelCodec.readNodeV1(in) : ModelCodec.readNode(in))) {
                state.nodes.put(n.name(), n);
            }
            for (Map.Entry<String, List<String>> e :
                    ResultCodec.readList(in, () -> Map.entry(in.str(), in.strings()))) {
                state.suspicions.put(e.getKey(), new TreeSet<>(e.getValue()));
            }
            for (CheckpointRecord c : ResultCodec.readList(
                    in, () -> v1 ? ModelCodec.readCheckpointV1(in) : ModelCodec.readCheckpoint(in))) {
                state.checkpoints.put(c.containerId(), c);
            }
            for (Map.Entry<String, String> e : ResultCodec.readList(in, () -> Map.entry(in.str(), in.str()))) {
                state.homes.put(e.getKey(), e.getValue());
            }
            for (Map.Entry<String, List<String>> e :
                    ResultCodec.readList(in, () -> Map.entry(in.str(), in.strings()))) {
                state.standbys.put(e.getKey(), List.copyOf(e.getValue()));
            }
            for (RestoreDecision d : ResultCodec.readList(in, () -> ModelCodec.readDecision(in))) {
                state.decisions.put(d.containerId(), d);
            }
            state.events.addAll(ResultCodec.readList(in, () -> ModelCodec.readEvent(in)));
            return state;
        });
        in.end();
        return s;
    }

    /** Hex SHA-256 of the snapshot bytes. */
    public static String digest(PlacementState s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(snapshot(s)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
