package io.crifailover.placement;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The pure, deterministic placement rules. Same inputs give the same output on every replica: no clock,
 * no randomness, no iteration-order dependence (candidates are totally ordered by load ratio, then name).
 */
public final class RestorePlanner {
    /** Least loaded relative to capacity first, then by name. */
    static final Comparator<NodeInfo> LEAST_LOADED = (a, b) -> {
        int byRatio = Long.compare((long) a.load() * b.capacity(), (long) b.load() * a.capacity());
        return byRatio != 0 ? byRatio : a.name().compareTo(b.name());
    };

    private RestorePlanner() {}

    /**
     * Chooses the node that restores {@code checkpoint}: live, not the source, CRIU ready, same architecture, CPU
     * flags a superset of the checkpoint's, xsave accepted by CRIU's rule ({@link Xsave#refusal}), holding the
     * checkpoint image, least loaded, then by name.
     *
     * @return the target, or empty when no node qualifies
     */
    public static Optional<NodeInfo> chooseTarget(CheckpointRecord checkpoint, Collection<NodeInfo> nodes) {
        return nodes.stream()
                .filter(n -> n.status() == NodeStatus.LIVE)
                .filter(n -> !n.name().equals(checkpoint.sourceNode()))
                .filter(n -> n.canTakeOver(checkpoint.arch(), checkpoint.cpuFlags(), checkpoint.xsave()))
                .filter(n -> checkpoint.holders().contains(n.name()))
                .min(LEAST_LOADED);
    }

    /**
     * Chooses up to {@code count} standby nodes for a container running on {@code source}: live, not the
     * source, able to restore the source's checkpoints (CRIU ready, same architecture, flags, CRIU's xsave rule),
     * least loaded first, then by name.
     */
    public static List<String> chooseStandbys(NodeInfo source, Collection<NodeInfo> nodes, int count) {
        if (count < 0) {
            throw new IllegalArgumentException("standby count must be >= 0, was " + count);
        }
        return nodes.stream()
                .filter(n -> n.status() == NodeStatus.LIVE)
                .filter(n -> !n.name().equals(source.name()))
                .filter(n -> n.canTakeOver(source.arch(), source.cpuFlags(), source.xsave()))
                .sorted(LEAST_LOADED)
                .limit(count)
                .map(NodeInfo::name)
                .toList();
    }
}
