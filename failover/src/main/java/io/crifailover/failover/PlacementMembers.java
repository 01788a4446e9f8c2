package io.crifailover.failover;

import io.crifailover.placement.ClusterConfig;
import io.crifailover.placement.ClusterMember;
import io.crifailover.placement.NodeKey;
import java.util.List;

/** The placement cluster of a failover configuration: every member with its address, key and node name. */
final class PlacementMembers {
    private PlacementMembers() {}

    /**
     * @throws IllegalArgumentException when a member has no public key in the cluster settings, or this node's
     *     entry is not {@code ownKey}'s (the message gives this node's public key to put there)
     */
    static ClusterConfig of(FailoverConfig config, NodeKey ownKey) {
        List<ClusterMember> members = config.members().stream()
                .map(m -> {
                    if (m.publicKey() == null || m.publicKey().isBlank()) {
                        throw new IllegalArgumentException("cluster settings: member " + m.name() + " has no publicKey"
                                + ownKeyHint(config, m, ownKey));
                    }
                    return new ClusterMember(
                            m.replicaId(), m.address(), config.placementPort(), m.publicKey(), m.name());
                })
                .toList();
        if (!NodeKey.parsePublicKey(config.self().publicKey()).equals(ownKey.publicKey())) {
            throw new IllegalArgumentException("cluster settings: the publicKey of " + config.nodeName()
                    + " is not this node's key " + config.placementKeyFile() + "; this node's public key is "
                    + ownKey.publicKeyText());
        }
        return new ClusterConfig(members, config.f(), ClusterConfig.DEFAULT_REQUEST_TIMEOUT);
    }

    private static String ownKeyHint(FailoverConfig config, FailoverConfig.Member m, NodeKey ownKey) {
        return m.name().equals(config.nodeName()) ? "; this node's public key is " + ownKey.publicKeyText() : "";
    }
}
