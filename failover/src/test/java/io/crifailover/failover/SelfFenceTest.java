package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SelfFenceTest {
    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void neverFencesBeforeTheFirstQuorumContact() {
        SelfFence fence = new SelfFence(Duration.ofMillis(800));
        assertThat(fence.shouldFence(t0.plusSeconds(3600))).isFalse();
    }

    @Test
    void fencesOnceWhenTheLeaseExpiresAndAgainOnlyAfterRenewal() {
        SelfFence fence = new SelfFence(Duration.ofMillis(800));
        fence.quorumContact(t0);
        assertThat(fence.shouldFence(t0.plusMillis(800))).isFalse();
        assertThat(fence.shouldFence(t0.plusMillis(801))).isTrue();
        assertThat(fence.shouldFence(t0.plusMillis(2000))).isFalse();
        assertThat(fence.isFenced()).isTrue();

        fence.quorumContact(t0.plusMillis(2100));
        assertThat(fence.isFenced()).isFalse();
        assertThat(fence.shouldFence(t0.plusMillis(2800))).isFalse();
        assertThat(fence.shouldFence(t0.plusMillis(2901))).isTrue();
    }

    @Test
    void staleContactDoesNotMoveTheLeaseBack() {
        SelfFence fence = new SelfFence(Duration.ofMillis(800));
        fence.quorumContact(t0.plusMillis(500));
        fence.quorumContact(t0.plusMillis(100));
        assertThat(fence.shouldFence(t0.plusMillis(1200))).isFalse();
    }
}
