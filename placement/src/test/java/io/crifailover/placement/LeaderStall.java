package io.crifailover.placement;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Client-observed stall when the leader is SIGSTOPped: the longest gap between two completed ordered operations
 * of a closed-loop client, from the moment of the signal until 200 operations completed after it.
 */
final class LeaderStall {
    private LeaderStall() {}

    static long measure(ReplicaCluster cluster, PlacementClient client, int leader) throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicBoolean stopped = new AtomicBoolean();
        AtomicLong lastDone = new AtomicLong(System.nanoTime());
        AtomicLong maxGapNanos = new AtomicLong();
        AtomicLong completedAfterStop = new AtomicLong();
        Thread load = new Thread(
                () -> {
                    for (int i = 0; running.get() && i < 10_000_000; i++) {
                        client.reportLoad("n1", i % 10);
                        long now = System.nanoTime();
                        long gap = now - lastDone.getAndSet(now);
                        if (stopped.get()) {
                            maxGapNanos.accumulateAndGet(gap, Math::max);
                            completedAfterStop.incrementAndGet();
                        }
                    }
                },
                "stall-load");
        load.setDaemon(true);
        load.start();
        try {
            cluster.signal(leader, "STOP");
            stopped.set(true);
            await().atMost(Duration.ofSeconds(30)).until(() -> completedAfterStop.get() >= 200);
            return maxGapNanos.get() / 1_000_000;
        } finally {
            running.set(false);
            load.join(30_000);
        }
    }
}
