package io.crifailover.placement;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Test stand-in for a shim's placement link: registers its node, then every 100 ms sends a heartbeat and a
 * decisions query (ordered), like {@code PlacementLink}. {@link #pause()} stops it issuing requests (its node is
 * cut off); {@link #lastSuccessNanos()} tells when an ordered request last completed.
 */
final class HeartbeatingNode implements AutoCloseable {
    static final Duration PERIOD = Duration.ofMillis(100);

    private final String name;
    private final PlacementClient client;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicBoolean paused = new AtomicBoolean();
    private final AtomicLong lastSuccess = new AtomicLong();
    private final AtomicLong successes = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final Thread thread;
    private volatile boolean registered;

    HeartbeatingNode(String name, PlacementClient client) {
        this.name = name;
        this.client = client;
        this.thread = new Thread(this::loop, "heartbeat-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        while (running.get()) {
            long start = System.nanoTime();
            if (!paused.get()) {
                try {
                    if (!registered) {
                        Result.Ack ack = client.registerNode(name, "10.0.0.1", "x86_64", List.of("sse"), 4);
                        registered = ack.accepted() || ack.detail().contains("already");
                    } else {
                        client.heartbeat(name);
                        client.decisions(name);
                    }
                    lastSuccess.set(System.nanoTime());
                    successes.incrementAndGet();
                } catch (PlacementException e) {
                    failures.incrementAndGet();
                } catch (RuntimeException e) {
                    failures.incrementAndGet();
                }
            }
            long sleep = PERIOD.toNanos() - (System.nanoTime() - start);
            if (sleep > 0) {
                try {
                    // heartbeats at a fixed period: time is the subject of this stand-in node
                    Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    String name() {
        return name;
    }

    void pause() {
        paused.set(true);
    }

    void resume() {
        paused.set(false);
    }

    boolean registered() {
        return registered;
    }

    long lastSuccessNanos() {
        return lastSuccess.get();
    }

    long successes() {
        return successes.get();
    }

    long failures() {
        return failures.get();
    }

    @Override
    public void close() {
        running.set(false);
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
    }
}
