package io.crifailover.sniffer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A capture file read back: its complete events, and whether a torn or unreadable tail was
 * skipped (the sniffer was killed while writing).
 *
 * @param file      the capture file
 * @param events    complete events in file order
 * @param tornTail  true if the file ended in an incomplete or unparsable line
 */
public record Capture(Path file, List<CaptureEvent> events, boolean tornTail) {

    public Capture {
        events = List.copyOf(events);
    }

    /** Reads a capture file; the readable prefix is returned even if the tail is torn. */
    public static Capture read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        List<CaptureEvent> events = new ArrayList<>();
        boolean torn = false;
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            if (nl < 0) {
                torn = true;
                break;
            }
            String line = text.substring(start, nl);
            start = nl + 1;
            if (line.isBlank()) {
                continue;
            }
            try {
                events.add(CaptureFormat.decode(line));
            } catch (IllegalArgumentException ex) {
                torn = true;
                break;
            }
        }
        return new Capture(file, events, torn);
    }

    /** Operation id: the file's base name. */
    public String op() {
        String name = file.getFileName().toString();
        return name.endsWith(CaptureFormat.SUFFIX)
                ? name.substring(0, name.length() - CaptureFormat.SUFFIX.length())
                : name;
    }
}
