package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** Real sockets on loopback: a live listener answers, a closed one is suspected. */
class PeerProberTest {

    @Test
    void suspectsAPeerWhoseListenerStopped() {
        Set<String> suspects = ConcurrentHashMap.newKeySet();
        FailureDetector detector = new FailureDetector(2, new FailureDetector.Listener() {
            @Override
            public void suspect(String peer) {
                suspects.add(peer);
            }

            @Override
            public void reachableAgain(String peer) {
                suspects.remove(peer);
            }
        });
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        try (ProbeListener alive = ProbeListener.start(any);
                ProbeListener doomed = ProbeListener.start(any)) {
            Map<String, InetSocketAddress> peers = Map.of(
                    "alive", new InetSocketAddress(InetAddress.getLoopbackAddress(), alive.port()),
                    "doomed", new InetSocketAddress(InetAddress.getLoopbackAddress(), doomed.port()));
            try (PeerProber prober =
                    new PeerProber(peers, Duration.ofMillis(50), Duration.ofMillis(100), detector).start()) {
                doomed.close();
                await().atMost(Duration.ofSeconds(10)).until(() -> suspects.contains("doomed"));
                assertThat(detector.isSuspected("alive")).isFalse();
            }
        }
    }
}
