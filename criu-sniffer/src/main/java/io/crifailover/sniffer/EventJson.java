package io.crifailover.sniffer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/** Renders a {@link CaptureEvent} as one decoded JSON line, the unit of the debug socket's stream. */
public final class EventJson {

    private EventJson() {}

    /** The decoded form: op, seq, kind, mono_ns, and for messages dir, fds, bytes plus the decoded fields. */
    public static ObjectNode toJson(CaptureEvent e) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("op", e.op());
        n.put("seq", e.seq());
        n.put("kind", e.kind().name().toLowerCase());
        n.put("mono_ns", e.monoNanos());
        if (e.kind() == CaptureEvent.Kind.MSG) {
            n.put("dir", e.direction().label());
            n.put("fds", e.fdCount());
            n.put("bytes", e.raw().length);
            n.setAll(MessageDecoder.decode(e.direction(), e.raw()));
        }
        for (Map.Entry<String, Object> a : e.attrs().entrySet()) {
            n.set(a.getKey(), Json.MAPPER.valueToTree(a.getValue()));
        }
        return n;
    }

    /** {@link #toJson(CaptureEvent)} as a single line without newline. */
    public static String line(CaptureEvent e) {
        return toJson(e).toString();
    }
}
