package io.crifailover.sniffer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records events of one operation without ever failing it: a capture that cannot be written
 * must not break a checkpoint, so errors disable recording and are logged once.
 */
final class Recorder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Recorder.class);
    private CaptureWriter writer;

    private Recorder(CaptureWriter writer) {
        this.writer = writer;
    }

    static Recorder open(Path dir, String op) {
        try {
            return new Recorder(CaptureWriter.create(dir, op));
        } catch (IOException | RuntimeException ex) {
            LOG.error("cannot create capture {} in {}: {}", op, dir, ex.toString());
            return new Recorder(null);
        }
    }

    synchronized void message(Direction dir, byte[] raw, int fds) {
        if (writer != null) {
            try {
                writer.message(dir, raw, fds);
            } catch (IOException ex) {
                disable(ex);
            }
        }
    }

    synchronized void event(CaptureEvent.Kind kind, Map<String, Object> attrs) {
        if (writer != null) {
            try {
                writer.event(kind, attrs);
            } catch (IOException ex) {
                disable(ex);
            }
        }
    }

    void note(String text) {
        event(CaptureEvent.Kind.NOTE, Map.of("text", text));
    }

    private void disable(IOException ex) {
        LOG.error("capture {} stopped: {}", writer.file(), ex.toString());
        try {
            writer.close();
        } catch (IOException ignored) {
            // already reported
        }
        writer = null;
    }

    @Override
    public synchronized void close() {
        if (writer != null) {
            try {
                writer.close();
            } catch (IOException ex) {
                LOG.error("closing capture failed: {}", ex.toString());
            }
            writer = null;
        }
    }
}
