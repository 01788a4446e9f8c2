package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StandbyCacheTest {
    static final PlacementLink.Self SELF =
            new PlacementLink.Self("node-1", "10.0.0.1", "amd64", List.of("sse4_2", "avx2"), 8);

    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    final StandbyCache cache = new StandbyCache(
            new Clock() {
                @Override
                public java.time.ZoneId getZone() {
                    return ZoneOffset.UTC;
                }

                @Override
                public Clock withZone(java.time.ZoneId zone) {
                    return this;
                }

                @Override
                public Instant instant() {
                    return now;
                }
            },
            Duration.ofSeconds(30));
    final StandbyCache.View calm = new StandbyCache.View(SELF, Set.of());

    @Test
    void aFullAnswerIsReusedWhileNothingChanged() {
        cache.put("c", List.of("node-2", "node-3"), 2, calm);
        now = now.plusSeconds(29);

        assertThat(cache.get("c", new StandbyCache.View(SELF, Set.of()))).contains(List.of("node-2", "node-3"));
        assertThat(cache.get("other", calm)).isEmpty();
    }

    @Test
    void aPeerSuspectedOrClearedDropsTheAnswer() {
        cache.put("c", List.of("node-2", "node-3"), 2, calm);
        assertThat(cache.get("c", new StandbyCache.View(SELF, Set.of("node-4"))))
                .isEmpty();

        StandbyCache.View suspecting = new StandbyCache.View(SELF, Set.of("node-4"));
        cache.put("c", List.of("node-2", "node-3"), 2, suspecting);
        assertThat(cache.get("c", calm)).isEmpty();
    }

    @Test
    void thisNodeAnnouncingNewCpuOrCriuFactsDropsTheAnswer() {
        cache.put("c", List.of("node-2", "node-3"), 2, calm);

        StandbyCache.View announced =
                new StandbyCache.View(SELF.withCriu(false, io.crifailover.placement.Xsave.UNKNOWN), Set.of());
        assertThat(cache.get("c", announced)).isEmpty();
        cache.put("c", List.of("node-2", "node-3"), 2, calm);
        StandbyCache.View otherFlags = new StandbyCache.View(
                new PlacementLink.Self("node-1", "10.0.0.1", "amd64", List.of("sse4_2"), 8), Set.of());
        assertThat(cache.get("c", otherFlags)).isEmpty();
    }

    @Test
    void anAnswerExpiresAtMaxAgeAndAShortOneIsNeverKept() {
        cache.put("c", List.of("node-2", "node-3"), 2, calm);
        now = now.plusSeconds(30);
        assertThat(cache.get("c", calm)).isEmpty();

        cache.put("c", List.of("node-2"), 2, calm);
        assertThat(cache.get("c", calm)).isEmpty();
    }

    @Test
    void aMissedAcknowledgementInvalidatesOnlyThatContainer() {
        cache.put("c", List.of("node-2", "node-3"), 2, calm);
        cache.put("d", List.of("node-3", "node-4"), 2, calm);

        cache.invalidate("c");

        assertThat(cache.get("c", calm)).isEmpty();
        assertThat(cache.get("d", calm)).contains(List.of("node-3", "node-4"));
    }
}
