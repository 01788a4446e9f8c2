package io.crifailover.sniffer;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * Appends {@link CaptureEvent}s of one operation to its capture file (mode 0600, created new,
 * O_APPEND). Every event is one write of one complete line, so a killed sniffer leaves a
 * readable prefix; {@link #close()} fsyncs.
 */
public final class CaptureWriter implements Closeable {
    private final FileChannel channel;
    private final String op;
    private final Path file;
    private long seq;

    private CaptureWriter(FileChannel channel, String op, Path file) {
        this.channel = channel;
        this.op = op;
        this.file = file;
    }

    /** Creates {@code <dir>/<op>.jsonl}; fails if it exists. The directory is created 0700 if missing. */
    public static CaptureWriter create(Path dir, String op) throws IOException {
        if (op.isEmpty() || op.contains("/") || op.startsWith(".")) {
            throw new IllegalArgumentException("invalid operation id '" + op + "'");
        }
        CaptureStore.ensureDirectory(dir);
        Path file = dir.resolve(op + CaptureFormat.SUFFIX);
        FileChannel ch = FileChannel.open(
                file,
                java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        return new CaptureWriter(ch, op, file);
    }

    /** The capture file. */
    public Path file() {
        return file;
    }

    /** Operation id. */
    public String op() {
        return op;
    }

    /** Records a datagram. */
    public synchronized CaptureEvent message(Direction dir, byte[] raw, int fdCount) throws IOException {
        return append(new CaptureEvent(op, seq, CaptureEvent.Kind.MSG, System.nanoTime(), dir, fdCount, raw, Map.of()));
    }

    /** Records a non-message event with the given attributes. */
    public synchronized CaptureEvent event(CaptureEvent.Kind kind, Map<String, Object> attrs) throws IOException {
        return append(new CaptureEvent(op, seq, kind, System.nanoTime(), null, 0, null, attrs));
    }

    private CaptureEvent append(CaptureEvent e) throws IOException {
        ByteBuffer line = ByteBuffer.wrap(CaptureFormat.encode(e).getBytes(StandardCharsets.UTF_8));
        while (line.hasRemaining()) {
            channel.write(line);
        }
        seq++;
        return e;
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            channel.force(true);
        } finally {
            channel.close();
        }
    }
}
