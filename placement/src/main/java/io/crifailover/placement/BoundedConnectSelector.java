package io.crifailover.placement;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Bounds the replica-to-replica connects of BFT-SMaRt 0.0.8, which opens them with {@code new Socket(host, port)}:
 * no timeout, so a connect to a peer whose packets are dropped waits out the kernel's SYN retries (about 2 min with
 * Linux defaults) and holds up the replica's start or that link's reconnect. The JDK asks the default
 * {@link ProxySelector} before every such connect ({@code socket://host:port}); installed in the replica's own
 * process, this one first connects to the peer's replica port itself with a timeout and closes that connection. If
 * the peer does not accept in time it refuses to select, which the JDK turns into an {@link IOException} ("Failed to
 * select a proxy") in the library's connect: the library logs it and tries again later, as for a refused connect.
 * Other addresses go to the previous selector. A peer cut off between the check and the library's own connect is
 * left to {@link ReplicaWedgeDetector}.
 */
final class BoundedConnectSelector extends ProxySelector {
    private final ProxySelector previous;
    private final Set<InetSocketAddress> peers;
    private final int timeoutMillis;

    BoundedConnectSelector(ProxySelector previous, Collection<InetSocketAddress> peers, Duration timeout) {
        this.previous = previous;
        this.peers = Set.copyOf(peers);
        this.timeoutMillis = (int) Math.max(1, timeout.toMillis());
    }

    /**
     * Makes this the process's default selector for connects to {@code peers}; closing the result puts the previous
     * one back.
     */
    static AutoCloseable install(Collection<InetSocketAddress> peers, Duration timeout) {
        ProxySelector previous = ProxySelector.getDefault();
        ProxySelector.setDefault(new BoundedConnectSelector(previous, peers, timeout));
        return () -> ProxySelector.setDefault(previous);
    }

    @Override
    public List<Proxy> select(URI uri) {
        InetSocketAddress target = peer(uri);
        if (target == null) {
            return previous == null ? List.of(Proxy.NO_PROXY) : previous.select(uri);
        }
        try (Socket probe = new Socket(Proxy.NO_PROXY)) {
            probe.connect(target, timeoutMillis);
        } catch (IOException e) {
            // the JDK reports this to the caller as an IOException of its connect
            throw new IllegalArgumentException(
                    "replica port " + target + " did not accept a connection within " + timeoutMillis + " ms: " + e, e);
        }
        return List.of(Proxy.NO_PROXY);
    }

    private InetSocketAddress peer(URI uri) {
        if (uri == null || !"socket".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            return null;
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        InetSocketAddress target = new InetSocketAddress(host, uri.getPort());
        return peers.contains(target) ? target : null;
    }

    @Override
    public void connectFailed(URI uri, SocketAddress address, IOException failure) {
        if (previous != null && peer(uri) == null) {
            previous.connectFailed(uri, address, failure);
        }
    }
}
