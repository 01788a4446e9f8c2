package io.crifailover.placement;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * What the state machine knows about one node.
 *
 * @param name      unique node name
 * @param address   where peers reach the node (opaque to the state machine)
 * @param arch      CPU architecture, e.g. {@code x86_64}
 * @param cpuFlags  CPU flags from /proc/cpuinfo, sorted and duplicate-free
 * @param capacity  how much load the node can take (at least 1)
 * @param load      last reported load
 * @param status    liveness verdict
 * @param epoch     incremented each time the node recovers from a failure verdict
 * @param clientId  the BFT-SMaRt client id this node's calls must come from
 * @param criuReady whether the node's own CRIU checks passed; a node that is not ready is never a standby or
 *                  restore target
 * @param xsave     the node CPU's xsave facts CRIU compares ({@link Xsave#UNKNOWN} if not measured)
 */
public record NodeInfo(
        String name,
        String address,
        String arch,
        List<String> cpuFlags,
        int capacity,
        int load,
        NodeStatus status,
        long epoch,
        int clientId,
        boolean criuReady,
        Xsave xsave) {
    public NodeInfo {
        Objects.requireNonNull(xsave, "xsave");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(arch, "arch");
        Objects.requireNonNull(status, "status");
        cpuFlags = Flags.canonical(cpuFlags);
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity of node " + name + " must be >= 1, was " + capacity);
        }
        if (load < 0) {
            throw new IllegalArgumentException("load of node " + name + " must be >= 0, was " + load);
        }
    }

    /** A node registered without CRIU facts (an older shim): ready, xsave not measured. */
    public NodeInfo(
            String name,
            String address,
            String arch,
            List<String> cpuFlags,
            int capacity,
            int load,
            NodeStatus status,
            long epoch,
            int clientId) {
        this(name, address, arch, cpuFlags, capacity, load, status, epoch, clientId, true, Xsave.UNKNOWN);
    }

    /**
     * Why this node cannot restore a checkpoint taken on a CPU with {@code arch}, {@code flags} and {@code xsave}
     * (CRIU not ready, another architecture, missing flags, CRIU's xsave rule), or empty if it can.
     */
    public java.util.Optional<String> restoreRefusal(String sourceArch, List<String> flags, Xsave sourceXsave) {
        if (!criuReady) {
            return java.util.Optional.of("CRIU not ready");
        }
        if (!arch.equals(sourceArch)) {
            return java.util.Optional.of("arch " + arch + " != " + sourceArch);
        }
        if (!new HashSet<>(cpuFlags).containsAll(flags)) {
            return java.util.Optional.of("CPU flags missing");
        }
        return xsave.refusal(sourceXsave);
    }

    /** True when this node can restore what {@code source} checkpoints ({@link #restoreRefusal} is empty). */
    public boolean canTakeOver(String sourceArch, List<String> flags, Xsave sourceXsave) {
        return restoreRefusal(sourceArch, flags, sourceXsave).isEmpty();
    }

    /** True when this node can run code that needs {@code required} flags on {@code requiredArch}. */
    public boolean canRun(String requiredArch, List<String> required) {
        return arch.equals(requiredArch) && new HashSet<>(cpuFlags).containsAll(required);
    }

    NodeInfo withLoad(int newLoad) {
        return new NodeInfo(
                name, address, arch, cpuFlags, capacity, newLoad, status, epoch, clientId, criuReady, xsave);
    }

    NodeInfo withStatus(NodeStatus newStatus, long newEpoch) {
        return new NodeInfo(
                name, address, arch, cpuFlags, capacity, load, newStatus, newEpoch, clientId, criuReady, xsave);
    }
}
