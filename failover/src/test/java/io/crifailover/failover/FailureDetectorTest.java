package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FailureDetectorTest {
    private final List<String> events = new ArrayList<>();
    private final FailureDetector detector = new FailureDetector(3, new FailureDetector.Listener() {
        @Override
        public void suspect(String peer) {
            events.add("suspect " + peer);
        }

        @Override
        public void reachableAgain(String peer) {
            events.add("back " + peer);
        }
    });

    @Test
    void suspectsOnceAfterThresholdConsecutiveMisses() {
        detector.record("n2", false);
        detector.record("n2", false);
        assertThat(events).isEmpty();
        detector.record("n2", false);
        detector.record("n2", false);
        assertThat(events).containsExactly("suspect n2");
        assertThat(detector.isSuspected("n2")).isTrue();
    }

    @Test
    void anAnswerResetsTheCountAndClearsTheSuspicion() {
        detector.record("n2", false);
        detector.record("n2", false);
        detector.record("n2", true);
        detector.record("n2", false);
        detector.record("n2", false);
        assertThat(events).isEmpty();
        detector.record("n2", false);
        detector.record("n2", true);
        assertThat(events).containsExactly("suspect n2", "back n2");
    }
}
