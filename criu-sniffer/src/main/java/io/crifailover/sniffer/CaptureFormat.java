package io.crifailover.sniffer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The capture file format, version 1: UTF-8 JSON Lines, one {@link CaptureEvent} per line.
 *
 * <pre>
 * {"v":1,"op":"…","seq":0,"kind":"meta","mono_ns":…,"argv":[…],"pid":…,…}
 * {"v":1,"op":"…","seq":1,"kind":"msg","mono_ns":…,"dir":"runtime-&gt;criu","fds":0,"raw":"base64…"}
 * {"v":1,"op":"…","seq":9,"kind":"exit","mono_ns":…,"status":0}
 * </pre>
 *
 * Each line is written with one append; a line that does not end in a newline or does not parse
 * is a torn tail left by a killed sniffer and is ignored by readers.
 */
public final class CaptureFormat {
    /** Format version written into every line. */
    public static final int VERSION = 1;
    /** File name suffix of capture files. */
    public static final String SUFFIX = ".jsonl";

    private CaptureFormat() {}

    /**
     * Encodes one event as a single JSON line including the trailing newline. Hand-written (no
     * Jackson) because it runs in the sniffer, where every class loaded adds start-up time.
     */
    public static String encode(CaptureEvent e) {
        StringBuilder sb = new StringBuilder(128 + e.raw().length * 4 / 3);
        sb.append("{\"v\":").append(VERSION).append(",\"op\":");
        JsonText.string(sb, e.op());
        sb.append(",\"seq\":").append(e.seq());
        sb.append(",\"kind\":\"")
                .append(e.kind().name().toLowerCase(java.util.Locale.ROOT))
                .append('"');
        sb.append(",\"mono_ns\":").append(e.monoNanos());
        if (e.direction() != null) {
            sb.append(",\"dir\":");
            JsonText.string(sb, e.direction().label());
        }
        if (e.kind() == CaptureEvent.Kind.MSG) {
            sb.append(",\"fds\":").append(e.fdCount());
            sb.append(",\"raw\":\"")
                    .append(Base64.getEncoder().encodeToString(e.raw()))
                    .append('"');
        }
        for (Map.Entry<String, Object> a : e.attrs().entrySet()) {
            sb.append(',');
            JsonText.string(sb, a.getKey());
            sb.append(':');
            JsonText.value(sb, a.getValue());
        }
        return sb.append("}\n").toString();
    }

    /** Decodes one line (without newline); throws IllegalArgumentException naming the problem. */
    public static CaptureEvent decode(String line) {
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(line);
        } catch (IOException ex) {
            throw new IllegalArgumentException("capture line is not JSON: " + ex.getMessage());
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("capture line is not a JSON object");
        }
        int v = n.path("v").asInt(-1);
        if (v != VERSION) {
            throw new IllegalArgumentException(
                    "unsupported capture format version " + n.path("v") + " (expected " + VERSION + ")");
        }
        String kindText = required(n, "kind").asText();
        CaptureEvent.Kind kind;
        try {
            kind = CaptureEvent.Kind.valueOf(kindText.toUpperCase());
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("unknown capture event kind '" + kindText + "'");
        }
        Direction dir = n.hasNonNull("dir") ? Direction.fromLabel(n.get("dir").asText()) : null;
        byte[] raw =
                n.hasNonNull("raw") ? Base64.getDecoder().decode(n.get("raw").asText()) : new byte[0];
        Map<String, Object> attrs = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = n.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!isReserved(f.getKey())) {
                attrs.put(f.getKey(), Json.MAPPER.convertValue(f.getValue(), Object.class));
            }
        }
        return new CaptureEvent(
                required(n, "op").asText(),
                required(n, "seq").asLong(),
                kind,
                required(n, "mono_ns").asLong(),
                dir,
                n.path("fds").asInt(0),
                raw,
                attrs);
    }

    private static boolean isReserved(String key) {
        return CaptureEvent.RESERVED_KEYS.contains(key);
    }

    private static JsonNode required(JsonNode n, String field) {
        JsonNode f = n.get(field);
        if (f == null || f.isNull()) {
            throw new IllegalArgumentException("capture line lacks field '" + field + "'");
        }
        return f;
    }
}
