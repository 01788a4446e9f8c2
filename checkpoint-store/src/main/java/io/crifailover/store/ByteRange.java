package io.crifailover.store;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A single byte range from an HTTP {@code Range: bytes=...} header, resolved against a length. */
record ByteRange(long start, long endInclusive) {
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

    long length() {
        return endInclusive - start + 1;
    }

    /**
     * Empty if there is no header; throws {@link IllegalArgumentException} if the header is unsatisfiable or
     * names several ranges (not supported).
     */
    static Optional<ByteRange> parse(String header, long size) {
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        Matcher m = RANGE.matcher(header.trim());
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            throw new IllegalArgumentException("unsupported Range header: " + header);
        }
        long start;
        long end;
        if (m.group(1).isEmpty()) {
            long suffix = Long.parseLong(m.group(2));
            start = Math.max(0, size - suffix);
            end = size - 1;
        } else {
            start = Long.parseLong(m.group(1));
            end = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
        }
        if (start >= size || end < start) {
            throw new IllegalArgumentException("range " + header + " not satisfiable for " + size + " bytes");
        }
        return Optional.of(new ByteRange(start, end));
    }
}
