package io.crifailover.placement;

import java.util.Objects;

/**
 * One replica of the placement cluster. BFT-SMaRt listens for clients on {@code port} and for other replicas on
 * {@code port + 1}, both on {@code host} only (the node's cluster address).
 *
 * @param publicKey the member's {@link NodeKey} public key (base64 X.509): it authenticates the member's replica to
 *                  the other replicas and signs the requests of the member's placement client
 * @param node      the node name this member acts for, or null to bind the first name it registers (tests); a
 *                  member acts for exactly one node name either way
 */
public record ClusterMember(int id, String host, int port, String publicKey, String node) {
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
        if (publicKey == null || publicKey.isBlank()) {
            throw new IllegalArgumentException("replica " + id + " has no public key");
        }
        try {
            NodeKey.parsePublicKey(publicKey);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("replica " + id + " public key: " + e.getMessage(), e);
        }
        if (node != null && (node.isBlank() || node.chars().anyMatch(Character::isWhitespace))) {
            throw new IllegalArgumentException("replica " + id + " node name must be non-blank without spaces");
        }
    }

    /** A member that binds the first node name it registers. */
    public ClusterMember(int id, String host, int port, String publicKey) {
        this(id, host, port, publicKey, null);
    }
}
