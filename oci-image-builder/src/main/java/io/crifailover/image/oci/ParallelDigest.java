package io.crifailover.image.oci;

import io.crifailover.oci.Digest;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * SHA-256 on a second thread over buffers the caller hands over in order: the caller fills a buffer,
 * {@link #submit}s it and goes on (writing the same buffer to its file, filling the next); the buffer
 * comes back through {@link #take()} once it has been hashed. Chunks are hashed while they are still
 * in the CPU cache, and on a machine with two cores SHA-256 runs in parallel with the file I/O.
 * Memory: a fixed number of fixed-size off-heap buffers, independent of how much is hashed.
 */
final class ParallelDigest implements AutoCloseable {

    private static final ByteBuffer END = ByteBuffer.allocate(0);

    private final MessageDigest digest = Digest.newSha256();
    private final BlockingQueue<ByteBuffer> pending;
    private final BlockingQueue<ByteBuffer> free;
    private final Thread thread;
    private volatile Throwable failure;
    private volatile boolean cancelled;

    /** Starts the hashing thread with {@code buffers} buffers of {@code bufferSize} bytes. */
    ParallelDigest(String name, int buffers, int bufferSize) {
        this.pending = new ArrayBlockingQueue<>(buffers + 1);
        this.free = new ArrayBlockingQueue<>(buffers);
        for (int i = 0; i < buffers; i++) {
            free.add(ByteBuffer.allocateDirect(bufferSize));
        }
        this.thread = new Thread(this::run, "blob-digest-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /** An empty buffer to fill; waits while all buffers are still being hashed. */
    ByteBuffer take() throws IOException {
        try {
            while (true) {
                checkFailure();
                ByteBuffer buffer = free.poll(100, TimeUnit.MILLISECONDS);
                if (buffer != null) {
                    return buffer.clear();
                }
                if (!thread.isAlive()) {
                    checkFailure();
                    throw new IOException("the hashing thread " + thread.getName() + " has stopped");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while hashing a blob");
        }
    }

    /**
     * Hands over {@code buffer}'s content between position and limit (the caller may keep reading
     * it, not writing it); the buffer returns to {@link #take()} once hashed.
     */
    void submit(ByteBuffer buffer) throws IOException {
        checkFailure();
        put(buffer);
    }

    /** The digest of everything submitted; waits for the hashing thread to finish. */
    byte[] finish() throws IOException {
        put(END);
        join();
        checkFailure();
        return digest.digest();
    }

    @Override
    public void close() throws IOException {
        cancelled = true;
        thread.interrupt();
        join();
    }

    private void put(ByteBuffer buffer) throws InterruptedIOException {
        try {
            pending.put(buffer);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while hashing a blob");
        }
    }

    private void join() throws InterruptedIOException {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while hashing a blob");
        }
    }

    private void checkFailure() throws IOException {
        Throwable t = failure;
        if (t != null) {
            throw new IOException("hashing failed: " + t, t);
        }
    }

    private void run() {
        try {
            while (!cancelled) {
                ByteBuffer buffer = pending.take();
                if (buffer == END) {
                    return;
                }
                digest.update(buffer.duplicate());
                free.put(buffer);
            }
        } catch (InterruptedException e) {
            // cancelled
        } catch (RuntimeException | Error e) {
            failure = e;
        }
    }
}
