package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CheckpointDeadlineTest {
    final CheckpointDeadline deadline = new CheckpointDeadline(Duration.ofSeconds(30));

    @Test
    void theFloorHoldsForFastCheckpointsAndShortIntervals() {
        assertThat(deadline.of("c", Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(30));
        deadline.record("c", Duration.ofMillis(300));
        assertThat(deadline.of("c", Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void aLongIntervalOrFourTimesTheSlowestOfTheLastFiveRaisesItUpToTheCap() {
        assertThat(deadline.of("c", Duration.ofSeconds(45))).isEqualTo(Duration.ofSeconds(45));
        deadline.record("c", Duration.ofSeconds(10));
        assertThat(deadline.of("c", Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(40));
        deadline.record("c", Duration.ofSeconds(50));
        assertThat(deadline.of("c", Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(120));
        assertThat(deadline.of("c", Duration.ofMinutes(10))).isEqualTo(Duration.ofSeconds(120));
    }

    @Test
    void onlyTheLastFiveCountAndContainersAreSeparate() {
        deadline.record("c", Duration.ofSeconds(20));
        for (int i = 0; i < CheckpointDeadline.HISTORY; i++) {
            deadline.record("c", Duration.ofSeconds(1));
        }
        assertThat(deadline.slowestMillis("c")).isEqualTo(1000);
        assertThat(deadline.slowestMillis("other")).isZero();
        deadline.forget("c");
        assertThat(deadline.slowestMillis("c")).isZero();
    }

    @Test
    void aFloorAboveTheCapIsTheDeadlineAndANonPositiveOneIsRefused() {
        assertThat(new CheckpointDeadline(Duration.ofMinutes(5)).of("c", Duration.ofSeconds(1)))
                .isEqualTo(Duration.ofMinutes(5));
        assertThatThrownBy(() -> new CheckpointDeadline(Duration.ZERO)).hasMessageContaining("positive");
    }
}
