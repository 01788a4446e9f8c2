package io.crifailover.shim.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class PeerPolicyTest {

    @Test
    void rootAndConfiguredIdsAreAllowedOthersAreNot() {
        PeerPolicy policy = PeerPolicy.rootAnd(Set.of(1000), Set.of(2000));

        assertThat(policy.allows(new PeerIdentity(1, 0, 0))).isTrue();
        assertThat(policy.allows(new PeerIdentity(1, 1000, 5))).isTrue();
        assertThat(policy.allows(new PeerIdentity(1, 7, 2000))).isTrue();
        assertThat(policy.allows(new PeerIdentity(1, 7, 7))).isFalse();
        assertThat(policy.allows(null)).isFalse();
    }

    @Test
    void rootCanBeExcluded() {
        assertThat(new PeerPolicy(false, Set.of(), Set.of()).allows(new PeerIdentity(1, 0, 0)))
                .isFalse();
    }
}
