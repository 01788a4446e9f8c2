package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProtectionSettingsTest {

    @Test
    void notProtectedWithoutInterval() {
        assertThat(ProtectionSettings.fromAnnotations(Map.of(ProtectionSettings.KEEP, "4")))
                .isEmpty();
    }

    @Test
    void readsAllThreeAnnotations() {
        ProtectionSettings s = ProtectionSettings.fromAnnotations(Map.of(
                        ProtectionSettings.INTERVAL,
                        "500ms",
                        ProtectionSettings.CONTAINERS,
                        "db, cache",
                        ProtectionSettings.KEEP,
                        "5"))
                .orElseThrow();
        assertThat(s.interval()).isEqualTo(Duration.ofMillis(500));
        assertThat(s.containers()).isEqualTo(Set.of("db", "cache"));
        assertThat(s.keep()).isEqualTo(5);
        assertThat(s.covers("db")).isTrue();
        assertThat(s.covers("sidecar")).isFalse();
    }

    @Test
    void defaultsCoverEveryContainerAndKeepThree() {
        ProtectionSettings s = ProtectionSettings.fromAnnotations(Map.of(ProtectionSettings.INTERVAL, "10"))
                .orElseThrow();
        assertThat(s.interval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.covers("anything")).isTrue();
        assertThat(s.keep()).isEqualTo(3);
    }

    @Test
    void badValuesAreRejectedNamingTheAnnotation() {
        assertThatThrownBy(() -> ProtectionSettings.fromAnnotations(Map.of(ProtectionSettings.INTERVAL, "soon")))
                .isInstanceOf(InvalidSettingsException.class)
                .hasMessageContaining("checkpoint-interval")
                .hasMessageContaining("soon");
        assertThatThrownBy(() -> ProtectionSettings.fromAnnotations(Map.of(ProtectionSettings.INTERVAL, "100ms")))
                .hasMessageContaining("between 500ms and 24h");
        assertThatThrownBy(() -> ProtectionSettings.fromAnnotations(
                        Map.of(ProtectionSettings.INTERVAL, "1s", ProtectionSettings.KEEP, "0")))
                .hasMessageContaining("cri-failover.io/keep");
        assertThatThrownBy(() -> ProtectionSettings.fromAnnotations(
                        Map.of(ProtectionSettings.INTERVAL, "1s", ProtectionSettings.CONTAINERS, "Bad_Name")))
                .hasMessageContaining("'Bad_Name'");
    }
}
