package io.crifailover.sniffer;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Follows the capture directory: each {@link #poll()} returns the complete lines appended to any
 * capture file since the previous poll (new files included), decoded. An incomplete last line is
 * left for a later poll; a line that never parses is skipped.
 */
final class CaptureTailer {
    private final CaptureStore store;
    private final Map<Path, Long> offsets = new HashMap<>();

    CaptureTailer(CaptureStore store) {
        this.store = store;
    }

    List<CaptureEvent> poll() throws IOException {
        List<CaptureEvent> out = new ArrayList<>();
        Set<Path> present = new HashSet<>();
        for (Path f : store.files()) {
            present.add(f);
            readNew(f, out);
        }
        offsets.keySet().retainAll(present);
        return out;
    }

    private void readNew(Path f, List<CaptureEvent> out) {
        long offset = offsets.getOrDefault(f, 0L);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "r")) {
            long length = raf.length();
            if (length <= offset) {
                return;
            }
            byte[] buf = new byte[(int) Math.min(length - offset, 64L << 20)];
            raf.seek(offset);
            raf.readFully(buf);
            int lineStart = 0;
            for (int i = 0; i < buf.length; i++) {
                if (buf[i] == '\n') {
                    String line = new String(buf, lineStart, i - lineStart, StandardCharsets.UTF_8);
                    lineStart = i + 1;
                    if (!line.isBlank()) {
                        try {
                            out.add(CaptureFormat.decode(line));
                        } catch (IllegalArgumentException ex) {
                            // a torn line followed by newer writes cannot happen with O_APPEND single writes; skip it
                        }
                    }
                }
            }
            offsets.put(f, offset + lineStart);
        } catch (IOException ex) {
            // deleted by retention between listing and reading: nothing more to read
            offsets.remove(f);
        }
    }
}
