package io.crifailover.placement;

import java.util.List;

/**
 * Test-only Byzantine replica: it keeps the correct state but answers every request with a lie (an inverted ack,
 * a failed verdict, forged decisions targeting itself, every node failed) or, every third reply, garbage bytes.
 */
class LyingPlacementReplica extends PlacementReplica {
    private int replies;

    LyingPlacementReplica(int f, MemberKeys members) {
        super(f, members);
    }

    @Override
    protected synchronized byte[] execute(byte[] request, int sender, boolean readOnlyPath) {
        byte[] honest = super.execute(request, sender, readOnlyPath);
        if (++replies % 3 == 0) {
            return new byte[] {(byte) 0xde, (byte) 0xad, (byte) replies};
        }
        Result truth;
        try {
            truth = ResultCodec.decode(honest);
        } catch (MalformedMessageException e) {
            return ResultCodec.encode(new Result.Ack(true, "accepted"));
        }
        return ResultCodec.encode(lie(truth));
    }

    static Result lie(Result truth) {
        if (truth instanceof Result.Ack a) {
            return new Result.Ack(!a.accepted(), "lie");
        } else if (truth instanceof Result.Acks a) {
            return new Result.Acks(a.acks().stream()
                    .map(x -> new Result.Ack(!x.accepted(), "lie"))
                    .toList());
        } else if (truth instanceof Result.SuspectOutcome s) {
            return new Result.SuspectOutcome(true, "declared failed", 99, NodeStatus.FAILED);
        } else if (truth instanceof Result.Decisions d) {
            return new Result.Decisions(List.of(new RestoreDecision(
                    "forged", 1, "victim", 1, "liar", DecisionStatus.PENDING, "sha256:evil", 1, "lie")));
        } else if (truth instanceof Result.Nodes n) {
            return new Result.Nodes(n.nodes().stream()
                    .map(x -> x.withStatus(NodeStatus.FAILED, 9))
                    .toList());
        } else if (truth instanceof Result.Standbys s) {
            return new Result.Standbys(true, "lie", List.of("liar"));
        }
        return new Result.Events(List.of());
    }

    /**
     * Process entry point used by {@link ReplicaCluster} for lying replicas: {@code --id N --config DIR
     * --stdin-control --parent-pid PID}, as {@link ReplicaProcess} passes them.
     */
    public static void main(String[] args) throws Exception {
        int id = Integer.parseInt(args[1]);
        java.nio.file.Path config = java.nio.file.Path.of(args[3]);
        Long parent = args.length > 6 ? Long.valueOf(args[6]) : null;
        System.exit(PlacementReplicaCommand.run(id, config, LyingPlacementReplica::new, true, parent));
    }
}
