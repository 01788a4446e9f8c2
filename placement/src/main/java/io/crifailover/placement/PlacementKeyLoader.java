package io.crifailover.placement;

import bftsmart.reconfiguration.util.RsaKeyLoader;
import java.security.PrivateKey;
import java.security.PublicKey;

/**
 * Gives BFT-SMaRt the members' own keys instead of the key pair built into its jar: public keys of the members,
 * and this process's private key (its node's).
 */
final class PlacementKeyLoader implements RsaKeyLoader {
    private final MemberKeys members;
    private final NodeKey own;

    PlacementKeyLoader(MemberKeys members, NodeKey own) {
        this.members = members;
        this.own = own;
    }

    @Override
    public PublicKey loadPublicKey(int id) throws Exception {
        return members.key(id).orElseThrow(() -> new IllegalArgumentException("no public key of member " + id));
    }

    @Override
    public PrivateKey loadPrivateKey(int id) {
        return own.privateKey();
    }
}
