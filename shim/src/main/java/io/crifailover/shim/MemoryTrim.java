package io.crifailover.shim;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the memory of huge messages back to the system. A relayed message of {@link #HUGE_BYTES}
 * or more grows the heap by its size; the serial collector only returns heap to the system after a
 * full collection, which a quiet shim may never run. So once no huge message has passed for {@link
 * #DELAY_SECONDS}, one full collection runs (a pause of milliseconds on the shim's small heap);
 * calls of normal size never trigger it.
 */
final class MemoryTrim {

    private static final Logger LOG = LoggerFactory.getLogger(MemoryTrim.class);

    /** Messages at least this large trigger a trim: 8 MiB, far above any normal CRI message. */
    static final int HUGE_BYTES = 8 * 1024 * 1024;
    /** Seconds from the first huge message of a burst to the collection. */
    static final long DELAY_SECONDS = 5;

    private final ScheduledExecutorService timer;
    private final AtomicBoolean pending = new AtomicBoolean();
    private volatile long lastHugeNanos;

    MemoryTrim(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /** Notes a message of {@code bytes} that passed through the shim. */
    void sawMessage(int bytes) {
        if (bytes < HUGE_BYTES) {
            return;
        }
        lastHugeNanos = System.nanoTime();
        if (pending.compareAndSet(false, true)) {
            timer.schedule(this::trim, DELAY_SECONDS, TimeUnit.SECONDS);
        }
    }

    private void trim() {
        long quietFor = System.nanoTime() - lastHugeNanos;
        long delay = TimeUnit.SECONDS.toNanos(DELAY_SECONDS);
        if (quietFor < delay) {
            timer.schedule(this::trim, delay - quietFor, TimeUnit.NANOSECONDS);
            return;
        }
        pending.set(false);
        long before = committedHeap();
        System.gc();
        LOG.debug("after huge messages: heap {} -> {} MiB committed", before >> 20, committedHeap() >> 20);
    }

    private static long committedHeap() {
        return Runtime.getRuntime().totalMemory();
    }
}
