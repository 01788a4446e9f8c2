package io.crifailover.store;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Appends verified chunks to a transfer's partial file in large batches. Each written batch is handed to a
 * helper thread that feeds the running whole-blob sha256 (so chunk verification and the blob hash run on two
 * cores), and every {@value #WRITEBACK_BYTES} bytes an asynchronous {@code fdatasync} starts writeback early,
 * so the one fsync before publishing finds little left to flush. Only committed chunks are ever written.
 */
final class PartialWriter {
    static final long WRITEBACK_BYTES = 64L << 20;
    private static final int BUFFERS = 3;

    private final FileChannel out;
    private final IncomingTransfer transfer;
    private final Executor helpers;
    private final BlockingQueue<byte[]> free;
    private byte[] buf;
    private int fill;
    private int committedInBuffer;
    private long bufferStart;
    private long sinceWriteback;
    private CompletableFuture<Void> hashing = CompletableFuture.completedFuture(null);
    private CompletableFuture<Void> writeback = CompletableFuture.completedFuture(null);

    PartialWriter(FileChannel out, IncomingTransfer transfer, Executor helpers) {
        this.out = out;
        this.transfer = transfer;
        this.helpers = helpers;
        int size = Math.max(4 << 20, transfer.params.max() * 2);
        this.free = new ArrayBlockingQueue<>(BUFFERS);
        for (int i = 1; i < BUFFERS; i++) {
            free.add(new byte[size]);
        }
        this.buf = new byte[size];
        this.bufferStart = transfer.assembledBytes;
    }

    /** Makes room for {@code n} bytes and returns the buffer; the bytes go at {@link #position()}. */
    byte[] reserve(int n) throws IOException {
        if (fill + n > buf.length) {
            flush();
        }
        return buf;
    }

    int position() {
        return fill;
    }

    /** The {@code n} reserved bytes at {@link #position()} are a verified chunk. */
    void commit(int n) {
        fill += n;
        committedInBuffer++;
    }

    /** Copies {@code n} bytes that are already part of the assembled prefix (an earlier chunk) into place. */
    void copyAssembled(long offset, int n) throws IOException {
        reserve(n);
        if (offset >= bufferStart) {
            System.arraycopy(buf, (int) (offset - bufferStart), buf, fill, n);
        } else {
            readFully(out, offset, buf, fill, n);
        }
        commit(n);
    }

    /** Writes the committed bytes and hands them to the hashing thread. */
    void flush() throws IOException {
        if (fill == 0) {
            return;
        }
        ByteBuffer bb = ByteBuffer.wrap(buf, 0, fill);
        long pos = bufferStart;
        while (bb.hasRemaining()) {
            pos += out.write(bb, pos);
        }
        byte[] written = buf;
        int len = fill;
        hashing = hashing.thenRunAsync(
                () -> {
                    transfer.whole.update(written, 0, len);
                    free.add(written);
                },
                helpers);
        transfer.assembled += committedInBuffer;
        transfer.assembledBytes += len;
        bufferStart += len;
        sinceWriteback += len;
        fill = 0;
        committedInBuffer = 0;
        if (sinceWriteback >= WRITEBACK_BYTES && writeback.isDone()) {
            sinceWriteback = 0;
            writeback = CompletableFuture.runAsync(
                    () -> {
                        try {
                            out.force(false);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    },
                    helpers);
        }
        try {
            buf = free.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while assembling " + transfer.blob, e);
        }
    }

    /** Flushes what is committed and waits until it is hashed and any writeback finished. */
    void finish() throws IOException {
        try {
            flush();
        } finally {
            await(hashing);
            await(writeback);
        }
    }

    private static void await(CompletableFuture<Void> f) throws IOException {
        try {
            f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            throw new IOException("helper task failed", e.getCause());
        }
    }

    static void readFully(FileChannel ch, long pos, byte[] dst, int off, int n) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(dst, off, n);
        while (bb.hasRemaining()) {
            if (ch.read(bb, pos + bb.position() - off) < 0) {
                throw new EOFException("unexpected end of file");
            }
        }
    }
}
