package io.crifailover.placement;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells which replicas are known to be down: a background thread opens a TCP connection to each replica's client
 * port at a fixed interval. A refused or timed-out connection marks the replica down until a later probe
 * succeeds. This is exactly the condition under which BFT-SMaRt's client send would wait for a channel that never
 * completes, so the client leaves such replicas out.
 */
public final class ReplicaLivenessProbe implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaLivenessProbe.class);

    private final Map<Integer, InetSocketAddress> replicas;
    private final Set<Integer> down = ConcurrentHashMap.newKeySet();
    private final int connectTimeoutMillis;
    private final ScheduledExecutorService scheduler;
    private volatile IntConsumer onReachable = id -> {};

    public ReplicaLivenessProbe(Map<Integer, InetSocketAddress> replicas, Duration interval, Duration connectTimeout) {
        this.replicas = new TreeMap<>(replicas);
        this.connectTimeoutMillis = (int) connectTimeout.toMillis();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "placement-liveness-probe");
            t.setDaemon(true);
            return t;
        });
        probeAll();
        scheduler.scheduleWithFixedDelay(
                this::probeAll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The ids in {@code all} not known to be down; all of them when fewer than {@code minimum} would remain. */
    public int[] reachable(int[] all, int minimum) {
        int[] up = Arrays.stream(all).filter(id -> !down.contains(id)).toArray();
        return up.length >= minimum ? up : all;
    }

    public boolean isDown(int id) {
        return down.contains(id);
    }

    /** {@code listener} hears, on the probe's thread, of every replica a probe reached. */
    void onReachable(IntConsumer listener) {
        this.onReachable = listener;
    }

    private void probeAll() {
        replicas.forEach((id, address) -> {
            boolean reachable = probe(address);
            if (reachable && down.remove(id)) {
                LOG.info("replica {} at {} reachable again", id, address);
            } else if (!reachable && down.add(id)) {
                LOG.warn("replica {} at {} unreachable; requests skip it", id, address);
            }
            if (reachable) {
                try {
                    onReachable.accept(id);
                } catch (RuntimeException e) {
                    LOG.warn("after reaching replica {}: {}", id, e.toString());
                }
            }
        });
    }

    private boolean probe(InetSocketAddress address) {
        try (Socket socket = new Socket()) {
            socket.connect(address, connectTimeoutMillis);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
