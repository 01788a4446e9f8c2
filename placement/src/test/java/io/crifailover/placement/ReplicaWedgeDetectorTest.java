package io.crifailover.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplicaWedgeDetectorTest {
    static final long MS = 1_000_000L;
    final ReplicaWedgeDetector detector = new ReplicaWedgeDetector(Duration.ofSeconds(2));
    final Thread handler = new Thread(() -> {}, "Server CS");
    final Thread other = new Thread(() -> {}, "Delivery Thread");

    static StackTraceElement[] waiting() {
        return new StackTraceElement[] {
            new StackTraceElement(ReplicaWedgeDetector.CLASS, "waitForPropose", "Decision.java", 80),
            new StackTraceElement(ReplicaWedgeDetector.CLASS, ReplicaWedgeDetector.METHOD, "Decision.java", 70),
            new StackTraceElement("bftsmart.tom.core.DeliveryThread", "containsGoodReconfig", "DeliveryThread.java", 1)
        };
    }

    static StackTraceElement[] elsewhere() {
        return new StackTraceElement[] {
            new StackTraceElement("bftsmart.communication.MessageHandler", "processData", "MessageHandler.java", 1)
        };
    }

    @Test
    void aThreadSeenInTheDecisionWaitInEverySampleForTheThresholdIsWedged() {
        assertThat(detector.sample(0, Map.of(handler, waiting(), other, elsewhere())))
                .isEmpty();
        assertThat(detector.sample(1000 * MS, Map.of(handler, waiting(), other, elsewhere())))
                .isEmpty();
        assertThat(detector.sample(2000 * MS, Map.of(handler, waiting(), other, elsewhere())))
                .contains(handler);
    }

    @Test
    void leavingTheWaitOnceStartsTheClockAgain() {
        detector.sample(0, Map.of(handler, waiting()));
        detector.sample(1500 * MS, Map.of(handler, elsewhere()));
        assertThat(detector.sample(2500 * MS, Map.of(handler, waiting()))).isEmpty();
        assertThat(detector.sample(4499 * MS, Map.of(handler, waiting()))).isEmpty();
        assertThat(detector.sample(4500 * MS, Map.of(handler, waiting()))).contains(handler);
    }

    @Test
    void aThreadThatEndedIsForgotten() {
        detector.sample(0, Map.of(handler, waiting()));
        detector.sample(1000 * MS, Map.of());
        assertThat(detector.sample(2000 * MS, Map.of(handler, waiting()))).isEmpty();
    }

    static StackTraceElement[] messageLoop() {
        return new StackTraceElement[] {
            new StackTraceElement("bftsmart.communication.MessageHandler", "processData", "MessageHandler.java", 1),
            new StackTraceElement(
                    ReplicaWedgeDetector.MESSAGE_LOOP_CLASS,
                    ReplicaWedgeDetector.MESSAGE_LOOP_METHOD,
                    "ServerCommunicationSystem.java",
                    119)
        };
    }

    @Test
    void aMessageLoopThatIsGoneForTheThresholdIsAWedgeWithoutASpinningThread() {
        assertThat(detector.check(0, Map.of(handler, messageLoop()))).isEmpty();
        assertThat(detector.check(100 * MS, Map.of(other, elsewhere()))).isEmpty();
        assertThat(detector.check(2099 * MS, Map.of(other, elsewhere()))).isEmpty();
        var wedge = detector.check(2100 * MS, Map.of(other, elsewhere()));
        assertThat(wedge).isPresent();
        assertThat(wedge.get().thread()).isEmpty();
        assertThat(wedge.get().why()).contains("message-handling thread");
    }

    @Test
    void aSpinningThreadIsReportedAsSuch() {
        detector.check(0, Map.of(handler, waiting()));
        var wedge = detector.check(2000 * MS, Map.of(handler, waiting()));
        assertThat(wedge).isPresent();
        assertThat(wedge.get().thread()).contains(handler);
    }

    static StackTraceElement[] connecting() {
        return new StackTraceElement[] {
            new StackTraceElement("sun.nio.ch.Net", "connect0", "Net.java", 1),
            new StackTraceElement(
                    ReplicaWedgeDetector.CONNECT_CLASS, ReplicaWedgeDetector.CONNECT_METHOD, "Socket.java", 1),
            new StackTraceElement(
                    "bftsmart.communication.server.ServerConnection", "<init>", "ServerConnection.java", 1)
        };
    }

    static StackTraceElement[] checkingBeforeConnect() {
        return new StackTraceElement[] {
            new StackTraceElement(
                    ReplicaWedgeDetector.CONNECT_CLASS, ReplicaWedgeDetector.CONNECT_METHOD, "Socket.java", 1),
            new StackTraceElement(BoundedConnectSelector.class.getName(), "select", "BoundedConnectSelector.java", 1),
            new StackTraceElement("java.net.SocksSocketImpl", "connect", "SocksSocketImpl.java", 1),
            new StackTraceElement(
                    ReplicaWedgeDetector.CONNECT_CLASS, ReplicaWedgeDetector.CONNECT_METHOD, "Socket.java", 1)
        };
    }

    static StackTraceElement[] handshaking() {
        return new StackTraceElement[] {
            new StackTraceElement("java.io.DataInputStream", "readInt", "DataInputStream.java", 1),
            new StackTraceElement(
                    ReplicaWedgeDetector.HANDSHAKE_CLASS,
                    ReplicaWedgeDetector.HANDSHAKE_METHOD,
                    "ServerConnection.java",
                    1)
        };
    }

    @Test
    void aConnectOrHandshakeBlockedForTheStuckThresholdIsAWedgeEvenBeforeTheLibraryStarted() {
        ReplicaWedgeDetector d = new ReplicaWedgeDetector(Duration.ofSeconds(2), Duration.ofSeconds(15));
        assertThat(d.check(0, Map.of(handler, connecting(), other, handshaking()), false))
                .isEmpty();
        assertThat(d.check(14_999 * MS, Map.of(handler, connecting(), other, handshaking()), false))
                .isEmpty();
        var wedge = d.check(15_000 * MS, Map.of(handler, connecting(), other, handshaking()), false);
        assertThat(wedge).isPresent();
        assertThat(wedge.get().why()).contains("blocked in");
    }

    @Test
    void theBoundedCheckBeforeAConnectAndConnectsThatEndDoNotCount() {
        ReplicaWedgeDetector d = new ReplicaWedgeDetector(Duration.ofSeconds(2), Duration.ofSeconds(15));
        d.check(0, Map.of(handler, connecting()), false);
        d.check(10_000 * MS, Map.of(handler, elsewhere()), false);
        assertThat(d.check(20_000 * MS, Map.of(handler, connecting()), false)).isEmpty();
        assertThat(d.check(60_000 * MS, Map.of(other, checkingBeforeConnect()), false))
                .isEmpty();
        assertThat(d.check(90_000 * MS, Map.of(other, checkingBeforeConnect()), false))
                .isEmpty();
    }

    @Test
    void aMissingMessageLoopDoesNotCountWhileTheLibraryIsStarting() {
        assertThat(detector.check(0, Map.of(other, elsewhere()), false)).isEmpty();
        assertThat(detector.check(10_000 * MS, Map.of(other, elsewhere()), false))
                .isEmpty();
    }
}
