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
        int clientId) {
    public NodeInfo {
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

    /** True when this node can run code that needs {@code required} flags on {@code requiredArch}. */
    public boolean canRun(String requiredArch, List<String> required) {
        return arch.equals(requiredArch) && new HashSet<>(cpuFlags).containsAll(required);
    }

    NodeInfo withLoad(int newLoad) {
        return new NodeInfo(name, address, arch, cpuFlags, capacity, newLoad, status, epoch, clientId);
    }

    NodeInfo withStatus(NodeStatus newStatus, long newEpoch) {
        return new NodeInfo(name, address, arch, cpuFlags, capacity, load, newStatus, newEpoch, clientId);
    }
}
