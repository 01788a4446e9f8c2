package io.crifailover.placement;

import java.util.Objects;

/**
 * One replica of the placement cluster. BFT-SMaRt listens for clients on {@code port} and for other replicas on
 * {@code port + 1}.
 */
public record ClusterMember(int id, String host, int port) {
    public ClusterMember {
        Objects.requireNonNull(host, "host");
        if (id < 0) {
            throw new IllegalArgumentException("replica id must be >= 0, was " + id);
        }
        if (host.isBlank() || host.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException(
                    "replica " + id + " host must be non-blank without spaces: '" + host + "'");
        }
        if (port < 1 || port > 65534) {
            throw new IllegalArgumentException("replica " + id + " port must be in [1, 65534] (port+1 is the "
                    + "replica-to-replica port), was " + port);
        }
    }
}
