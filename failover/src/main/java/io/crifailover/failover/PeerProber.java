package io.crifailover.failover;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes every peer's {@link ProbeListener} with a TCP connect at a fixed interval (all peers in
 * parallel, each bounded by the timeout) and feeds the results to a {@link FailureDetector}.
 * A dead process answers "refused", a cut cable times out: both count as a miss.
 */
public final class PeerProber implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PeerProber.class);

    private final Map<String, InetSocketAddress> peers;
    private final Duration interval;
    private final Duration timeout;
    private final FailureDetector detector;
    private final ScheduledExecutorService ticker =
            Executors.newSingleThreadScheduledExecutor(daemon("peer-probe-tick"));
    private final ExecutorService probes = Executors.newCachedThreadPool(daemon("peer-probe"));

    public PeerProber(
            Map<String, InetSocketAddress> peers, Duration interval, Duration timeout, FailureDetector detector) {
        this.peers = Map.copyOf(peers);
        this.interval = interval;
        this.timeout = timeout;
        this.detector = detector;
    }

    public PeerProber start() {
        ticker.scheduleAtFixedRate(this::round, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("probing {} peers every {} ms (timeout {} ms)", peers.size(), interval.toMillis(), timeout.toMillis());
        return this;
    }

    private void round() {
        peers.forEach((name, address) -> probes.execute(() -> detector.record(name, answers(address))));
    }

    boolean answers(InetSocketAddress address) {
        try (Socket s = new Socket()) {
            s.connect(address, (int) timeout.toMillis());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        probes.shutdownNow();
    }
}
