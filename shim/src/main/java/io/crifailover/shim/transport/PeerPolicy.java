package io.crifailover.shim.transport;

import java.util.Set;

/** Which peers may use the shim's socket: root always, plus the configured uids and gids. */
public record PeerPolicy(boolean allowRoot, Set<Integer> uids, Set<Integer> gids) {

    public PeerPolicy {
        uids = Set.copyOf(uids);
        gids = Set.copyOf(gids);
    }

    /** Root plus {@code uids} and members of {@code gids}. */
    public static PeerPolicy rootAnd(Set<Integer> uids, Set<Integer> gids) {
        return new PeerPolicy(true, uids, gids);
    }

    /** Whether {@code peer} may make calls. */
    public boolean allows(PeerIdentity peer) {
        if (peer == null) {
            return false;
        }
        return (allowRoot && peer.uid() == 0) || uids.contains(peer.uid()) || gids.contains(peer.gid());
    }
}
