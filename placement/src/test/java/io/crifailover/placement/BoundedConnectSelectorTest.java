package io.crifailover.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A peer whose port drops connection attempts, as a cut-off node does: Linux drops a SYN while the listener's accept
 * queue is full, so a listener that never accepts, with its queue filled, stands in for it without root.
 */
class BoundedConnectSelectorTest {

    @Test
    void theLibrarysConnectToAPeerThatDropsConnectsFailsInsteadOfWaitingOutTheKernelRetries() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        List<Socket> queued = new ArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 1, loopback)) {
            InetSocketAddress peer = new InetSocketAddress(loopback, silent.getLocalPort());
            fillAcceptQueue(peer, queued);
            try (AutoCloseable bound = BoundedConnectSelector.install(Set.of(peer), Duration.ofMillis(300))) {
                // what BFT-SMaRt 0.0.8's ServerConnection does: no timeout
                assertThatThrownBy(() -> new Socket(loopback.getHostAddress(), peer.getPort()).close())
                        .isInstanceOf(IOException.class)
                        .rootCause()
                        .hasMessageContaining("timed out");
            }
        } finally {
            for (Socket s : queued) {
                s.close();
            }
        }
    }

    @Test
    void aPeerThatAcceptsIsConnectedDirectly() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket open = new ServerSocket(0, 50, loopback)) {
            InetSocketAddress peer = new InetSocketAddress(loopback, open.getLocalPort());
            try (AutoCloseable bound = BoundedConnectSelector.install(Set.of(peer), Duration.ofSeconds(5));
                    Socket s = new Socket(loopback.getHostAddress(), peer.getPort())) {
                assertThat(s.isConnected()).isTrue();
            }
        }
    }

    @Test
    void otherAddressesAreLeftToThePreviousSelector() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket open = new ServerSocket(0, 50, loopback)) {
            InetSocketAddress other = new InetSocketAddress(loopback, open.getLocalPort());
            InetSocketAddress peer = new InetSocketAddress(loopback, 9);
            BoundedConnectSelector selector = new BoundedConnectSelector(null, Set.of(peer), Duration.ofMillis(1));
            assertThat(selector.select(
                            new java.net.URI("socket://" + loopback.getHostAddress() + ":" + other.getPort())))
                    .containsExactly(java.net.Proxy.NO_PROXY);
        }
    }

    /** Connects until a connect does not complete at once: the accept queue is full from then on. */
    private static void fillAcceptQueue(InetSocketAddress peer, List<Socket> queued) throws IOException {
        for (int i = 0; i < 16; i++) {
            Socket s = new Socket();
            queued.add(s);
            try {
                s.connect(peer, 200);
            } catch (java.net.SocketTimeoutException full) {
                return;
            }
        }
        throw new IllegalStateException("the accept queue of " + peer + " never filled up");
    }
}
