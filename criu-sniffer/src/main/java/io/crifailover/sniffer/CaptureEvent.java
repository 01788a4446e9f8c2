package io.crifailover.sniffer;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * One line of a capture file: a forwarded datagram ({@link Kind#MSG}) or bookkeeping about the
 * operation ({@link Kind#META} at the start, {@link Kind#NOTE} for sniffer diagnostics,
 * {@link Kind#EXIT} with CRIU's exit status).
 *
 * @param op        operation id (also the capture file's base name)
 * @param seq       position in the capture, from 0
 * @param kind      what the line records
 * @param monoNanos CLOCK_MONOTONIC time in nanoseconds (comparable between processes of one boot)
 * @param direction direction of a {@link Kind#MSG}, null otherwise
 * @param fdCount   number of file descriptors passed with the datagram (SCM_RIGHTS)
 * @param raw       the datagram's bytes exactly as forwarded; empty for non-messages
 * @param attrs     extra fields of META/NOTE/EXIT lines (strings, numbers, lists)
 */
public record CaptureEvent(
        String op,
        long seq,
        Kind kind,
        long monoNanos,
        Direction direction,
        int fdCount,
        byte[] raw,
        Map<String, Object> attrs) {

    /** Field names of the capture line itself; attributes may not use them. */
    public static final java.util.List<String> RESERVED_KEYS =
            java.util.List.of("v", "op", "seq", "kind", "mono_ns", "dir", "fds", "raw");

    /** What a capture line records. */
    public enum Kind {
        META,
        MSG,
        NOTE,
        EXIT
    }

    public CaptureEvent {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(kind, "kind");
        raw = raw == null ? new byte[0] : raw;
        attrs = attrs == null ? Map.of() : Map.copyOf(attrs);
        for (String reserved : RESERVED_KEYS) {
            if (attrs.containsKey(reserved)) {
                throw new IllegalArgumentException(
                        "attribute name '" + reserved + "' is reserved by the capture format");
            }
        }
        if (kind == Kind.MSG && direction == null) {
            throw new IllegalArgumentException("a message event needs a direction");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CaptureEvent e
                && op.equals(e.op)
                && seq == e.seq
                && kind == e.kind
                && monoNanos == e.monoNanos
                && direction == e.direction
                && fdCount == e.fdCount
                && Arrays.equals(raw, e.raw)
                && attrs.equals(e.attrs);
    }

    @Override
    public int hashCode() {
        return Objects.hash(op, seq, kind, monoNanos, direction, fdCount, Arrays.hashCode(raw), attrs);
    }

    @Override
    public String toString() {
        return "CaptureEvent[" + op + "#" + seq + " " + kind + (direction == null ? "" : " " + direction.label()) + " "
                + raw.length + "B]";
    }
}
