package io.crifailover.failover;

import io.crifailover.placement.NodeKey;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything a node's failover needs to know. Timing defaults aim at a sub-second verdict:
 * probes every 100 ms, 3 misses (~300-400 ms) -> suspicion; heartbeats every 100 ms renew the
 * fence lease; a node without quorum for {@code fenceTimeout} stops its protected containers; the
 * restoring node waits {@code fenceTimeout + restoreMargin} after it sees the decision. A node
 * fences only when its lease ran out and its own probes reach fewer than 2f peers, so a stalled
 * but connected quorum (a BFT-SMaRt leader change takes 1.0-1.2 s here) never fences anyone.
 *
 * @param nodeName this node's name (also in placement and Kubernetes)
 * @param nodeAddress this node's address on the node network (probes, store, placement)
 * @param stateDir private directory: store, placement config, temporary checkpoint files
 * @param members every node of the cluster, this one included
 * @param f Byzantine faults tolerated (n >= 3f+1)
 * @param placementPort BFT-SMaRt client port of each replica (replica-to-replica is port+1)
 * @param storePort the store's registry and replication port on every node
 * @param probePort the liveness port on every node
 * @param clusterKeyFile the shared HMAC key for store replication (0600)
 * @param kubeconfig kubeconfig file, null for in-cluster / default config
 * @param cpuFlags CPU flags to announce; null reads /proc/cpuinfo (tests pass synthetic flags)
 */
public record FailoverConfig(
        String nodeName,
        String nodeAddress,
        Path stateDir,
        List<Member> members,
        int f,
        int placementPort,
        int storePort,
        int probePort,
        Path clusterKeyFile,
        Path kubeconfig,
        List<String> cpuFlags,
        int capacity,
        Timing timing) {

    /**
     * One node of the cluster.
     *
     * @param publicKey the node's placement public key (base64 X.509, {@code NodeKey#publicKeyText}); the node
     *     generates its key pair in its state directory on first start and logs this value
     */
    public record Member(String name, String address, int replicaId, String publicKey) {
        /** A member whose public key is not known yet: its node will not start placement until it is. */
        public Member(String name, String address, int replicaId) {
            this(name, address, replicaId, null);
        }
    }

    /** Failure detection, fencing and restore timing. */
    public record Timing(
            Duration probeInterval,
            int probeThreshold,
            Duration heartbeat,
            Duration fenceTimeout,
            Duration restoreMargin,
            Duration placementTimeout) {
        public static Timing defaults() {
            return new Timing(
                    Duration.ofMillis(100),
                    3,
                    Duration.ofMillis(100),
                    Duration.ofMillis(500),
                    Duration.ofMillis(200),
                    Duration.ofSeconds(1));
        }

        /** How long the restoring node waits after it sees a decision. */
        public Duration fenceWait() {
            return fenceTimeout.plus(restoreMargin);
        }
    }

    public FailoverConfig {
        Objects.requireNonNull(nodeName, "nodeName");
        members = List.copyOf(members);
        if (members.stream().noneMatch(m -> m.name().equals(nodeName))) {
            throw new IllegalArgumentException("node " + nodeName + " is not among the members " + members);
        }
        if (members.size() < 3 * f + 1) {
            throw new IllegalArgumentException(members.size() + " members cannot tolerate f=" + f + " (need 3f+1)");
        }
        if (timing.fenceTimeout().compareTo(timing.heartbeat().multipliedBy(3)) < 0) {
            throw new IllegalArgumentException("fence timeout must be at least 3 heartbeats");
        }
    }

    public Member self() {
        return members.stream()
                .filter(m -> m.name().equals(nodeName))
                .findFirst()
                .orElseThrow();
    }

    /** Where this node keeps its placement private key (generated on first start, 0600). */
    public Path placementKeyFile() {
        return stateDir.resolve(NodeKey.FILE_NAME);
    }
}
