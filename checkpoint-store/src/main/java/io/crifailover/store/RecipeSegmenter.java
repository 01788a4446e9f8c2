package io.crifailover.store;

import io.crifailover.oci.Digest;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Chunks a stored blob on a background thread and hands its recipe out in segments that grow from
 * {@value #FIRST_SEGMENT_BYTES} to {@value #MAX_SEGMENT_BYTES} bytes of chunks, so offering and sending start
 * right away and overlap with chunking. The complete recipe is available once every segment was taken.
 */
final class RecipeSegmenter implements AutoCloseable {
    static final long FIRST_SEGMENT_BYTES = 4L << 20;
    static final long MAX_SEGMENT_BYTES = 64L << 20;

    /** Consecutive chunks of the blob, starting with chunk {@code first} at byte {@code offsets.get(0)}. */
    record Segment(int first, List<ChunkRef> chunks, List<Long> offsets) {}

    private static final Segment END = new Segment(-1, List.of(), List.of());

    private final BlockingQueue<Segment> queue = new ArrayBlockingQueue<>(4);
    private final List<ChunkRef> all = new ArrayList<>();
    private final Thread thread;
    private volatile boolean cancelled;
    private volatile IOException failure;
    private boolean ended;

    RecipeSegmenter(Path file, ChunkParams params) {
        this.thread = new Thread(() -> produce(file, params), "chunker-" + file.getFileName());
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void produce(Path file, ChunkParams params) {
        List<ChunkRef> chunks = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        long[] state = {0, 0, FIRST_SEGMENT_BYTES}; // file offset, segment bytes, segment target
        int[] first = {0};
        try {
            new FileChunker(params).run(file, (c, buf, off) -> {
                chunks.add(c);
                offsets.add(state[0]);
                state[0] += c.size();
                state[1] += c.size();
                if (state[1] >= state[2]) {
                    put(new Segment(first[0], List.copyOf(chunks), List.copyOf(offsets)));
                    first[0] += chunks.size();
                    chunks.clear();
                    offsets.clear();
                    state[1] = 0;
                    state[2] = Math.min(MAX_SEGMENT_BYTES, state[2] * 2);
                }
            });
            put(new Segment(first[0], List.copyOf(chunks), List.copyOf(offsets)));
        } catch (IOException e) {
            failure = e;
        }
        try {
            put(END);
        } catch (IOException ignored) {
            // cancelled: nobody is waiting
        }
    }

    private void put(Segment s) throws IOException {
        if (cancelled) {
            throw new InterruptedIOException("chunking cancelled");
        }
        try {
            while (!queue.offer(s, 100, TimeUnit.MILLISECONDS)) {
                if (cancelled) {
                    throw new InterruptedIOException("chunking cancelled");
                }
            }
        } catch (InterruptedException e) {
            throw new InterruptedIOException("chunking interrupted");
        }
    }

    /** The next segment, or null after the last one. */
    Segment next() throws IOException {
        if (ended) {
            return null;
        }
        Segment s;
        try {
            s = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the chunker");
        }
        if (s == END) {
            ended = true;
            if (failure != null) {
                throw failure;
            }
            return null;
        }
        all.addAll(s.chunks());
        return s;
    }

    /** The whole recipe; only after {@link #next()} returned null. */
    ChunkRecipe recipe(Digest blob, long size, ChunkParams params) {
        if (!ended) {
            throw new IllegalStateException("recipe requested before chunking finished");
        }
        return new ChunkRecipe(blob, size, params, List.copyOf(all));
    }

    @Override
    public void close() {
        cancelled = true;
        queue.clear();
    }
}
