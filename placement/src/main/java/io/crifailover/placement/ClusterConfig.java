package io.crifailover.placement;

import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Membership and timing of a placement cluster.
 *
 * @param members        replicas, n >= 3f+1
 * @param f              Byzantine faults tolerated
 * @param requestTimeout how long replicas wait for a request to be ordered before forwarding it to the leader and
 *                       then changing leader; a stopped leader stalls ordering for about twice this
 */
public record ClusterConfig(List<ClusterMember> members, int f, Duration requestTimeout) {
    /** Default request timeout: a stopped leader is replaced in about 1 s. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofMillis(500);

    public ClusterConfig {
        members = members.stream()
                .sorted(Comparator.comparingInt(ClusterMember::id))
                .toList();
        if (f < 1) {
            throw new IllegalArgumentException("f must be >= 1, was " + f);
        }
        if (members.size() < 3 * f + 1) {
            throw new IllegalArgumentException("a cluster tolerating f=" + f + " needs at least " + (3 * f + 1)
                    + " replicas, got " + members.size());
        }
        Set<Integer> ids = new HashSet<>();
        Set<String> endpoints = new HashSet<>();
        Set<String> keys = new HashSet<>();
        Set<String> nodes = new HashSet<>();
        for (ClusterMember m : members) {
            if (!keys.add(m.publicKey().strip())) {
                throw new IllegalArgumentException("replica " + m.id() + " has the public key of another replica");
            }
            if (m.node() != null && !nodes.add(m.node())) {
                throw new IllegalArgumentException("replica " + m.id() + " node " + m.node() + " is taken");
            }
            if (!ids.add(m.id())) {
                throw new IllegalArgumentException("duplicate replica id " + m.id());
            }
            if (!endpoints.add(m.host() + ":" + m.port()) || !endpoints.add(m.host() + ":" + (m.port() + 1))) {
                throw new IllegalArgumentException("replica " + m.id() + " port " + m.port() + " or " + (m.port() + 1)
                        + " clashes with another replica on " + m.host());
            }
        }
        if (requestTimeout.toMillis() < 100) {
            throw new IllegalArgumentException("request timeout must be >= 100 ms, was " + requestTimeout);
        }
    }

    /** Largest f a cluster of {@code n} replicas tolerates. */
    public static int maxFaults(int n) {
        return (n - 1) / 3;
    }
}
