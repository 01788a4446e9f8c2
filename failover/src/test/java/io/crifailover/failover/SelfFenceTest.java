package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** {@link SelfFence#check}, the rule {@link PlacementLink} runs every half heartbeat. */
class SelfFenceTest {
    private static final boolean REGISTERED = true;
    private static final boolean ISOLATED = true;
    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");

    /** A lease armed at {@code t0} by a registered, connected node, renewed at {@code t0}. */
    private SelfFence armedAt() {
        SelfFence fence = new SelfFence(Duration.ofMillis(800));
        fence.quorumContact(t0);
        assertThat(fence.check(t0, REGISTERED, !ISOLATED)).isFalse();
        return fence;
    }

    @Test
    void neverFencesBeforeTheNodeWasRegisteredWithEnoughPeersAnswering() {
        SelfFence fence = new SelfFence(Duration.ofMillis(800));
        fence.quorumContact(t0);
        assertThat(fence.check(t0.plusSeconds(10), !REGISTERED, ISOLATED)).isFalse();
        assertThat(fence.check(t0.plusSeconds(20), REGISTERED, ISOLATED))
                .as("registered but isolated while the cluster comes up: not armed")
                .isFalse();
        assertThat(fence.check(t0.plusSeconds(30), REGISTERED, ISOLATED)).isFalse();
        assertThat(fence.isFenced()).isFalse();
    }

    @Test
    void anArmedLeaseWithoutQuorumContactDoesNotFenceANodeThatStillReachesItsPeers() {
        SelfFence fence = armedAt();
        assertThat(fence.check(t0.plusSeconds(5), REGISTERED, !ISOLATED))
                .as("slow quorum (leader change) on a healthy network")
                .isFalse();
        assertThat(fence.check(t0.plusMillis(800), REGISTERED, ISOLATED))
                .as("isolated but the lease has not run out")
                .isFalse();
    }

    @Test
    void fencesOnceWhenTheLeaseRanOutAndTheNodeIsIsolatedAndAgainOnlyAfterRenewal() {
        SelfFence fence = armedAt();
        assertThat(fence.check(t0.plusMillis(801), REGISTERED, ISOLATED)).isTrue();
        assertThat(fence.isFenced()).isTrue();
        assertThat(fence.check(t0.plusMillis(2000), REGISTERED, ISOLATED)).isFalse();

        fence.quorumContact(t0.plusMillis(2100));
        assertThat(fence.isFenced()).isFalse();
        assertThat(fence.check(t0.plusMillis(2900), REGISTERED, ISOLATED)).isFalse();
        assertThat(fence.check(t0.plusMillis(2901), REGISTERED, ISOLATED)).isTrue();
    }

    @Test
    void aStaleContactDoesNotMoveTheLeaseBack() {
        SelfFence fence = armedAt();
        fence.quorumContact(t0.plusMillis(500));
        fence.quorumContact(t0.plusMillis(100));
        assertThat(fence.check(t0.plusMillis(1200), REGISTERED, ISOLATED)).isFalse();
        assertThat(fence.check(t0.plusMillis(1301), REGISTERED, ISOLATED)).isTrue();
    }
}
