package io.crifailover.sniffer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The decoded, timed view of one operation for people: what was asked, every notification with
 * its time, the reply, and phase durations between consecutive milestones (request, each
 * notification, reply).
 */
public final class Transcript {
    private final String op;
    private final List<ObjectNode> entries;
    private final long startNanos;

    private Transcript(String op, List<ObjectNode> entries) {
        this.op = op;
        this.entries = entries;
        this.startNanos = entries.isEmpty() ? 0 : entries.get(0).path("mono_ns").asLong();
    }

    /** Builds the transcript of a capture. */
    public static Transcript of(Capture capture) {
        List<ObjectNode> list = new ArrayList<>();
        for (CaptureEvent e : capture.events()) {
            list.add(EventJson.toJson(e));
        }
        return new Transcript(capture.op(), list);
    }

    /** Builds a transcript from decoded JSON lines of one operation (as streamed by the debug socket). */
    public static Transcript ofDecoded(String op, List<ObjectNode> decoded) {
        return new Transcript(op, new ArrayList<>(decoded));
    }

    public String op() {
        return op;
    }

    /** Decoded entries in order. */
    public List<ObjectNode> entries() {
        return List.copyOf(entries);
    }

    /** Type of the first request (DUMP, RESTORE, VERSION, …), or "?" if none was seen. */
    public String requestType() {
        return messages("request").stream()
                .findFirst()
                .map(n -> n.path("type").asText())
                .orElse("?");
    }

    /** The final reply, if CRIU sent one. */
    public Optional<ObjectNode> reply() {
        return messages("reply").stream().reduce((a, b) -> b);
    }

    /** Notification script names in order. */
    public List<String> notifications() {
        return messages("notify").stream().map(n -> n.path("script").asText()).toList();
    }

    /** The kinds of request/notify/reply messages in order, e.g. [request DUMP, notify pre-dump, …, reply DUMP]. */
    public List<String> outline() {
        List<String> out = new ArrayList<>();
        for (ObjectNode n : entries) {
            String msg = n.path("msg").asText("");
            switch (msg) {
                case "request", "reply" -> out.add(msg + " " + n.path("type").asText());
                case "notify" -> out.add("notify " + n.path("script").asText());
                default -> {}
            }
        }
        return out;
    }

    /** Durations between consecutive milestones ("request->pre-dump", "pre-dump->network-lock", …, "x->reply"). */
    public Map<String, Long> phaseNanos() {
        Map<String, Long> phases = new LinkedHashMap<>();
        String last = null;
        long lastTime = 0;
        for (ObjectNode n : entries) {
            String msg = n.path("msg").asText("");
            String name = switch (msg) {
                case "request" -> "request";
                case "notify" -> n.path("script").asText();
                case "reply" -> "reply";
                default -> null;
            };
            if (name == null) {
                continue;
            }
            long t = n.path("mono_ns").asLong();
            if (last != null) {
                phases.merge(last + "->" + name, t - lastTime, Long::sum);
            }
            last = name;
            lastTime = t;
        }
        return phases;
    }

    /** Time from the first to the last recorded event. */
    public long totalNanos() {
        return entries.isEmpty()
                ? 0
                : entries.get(entries.size() - 1).path("mono_ns").asLong() - startNanos;
    }

    /** One line for listings: op, type, result, duration. */
    public String summaryLine() {
        String result = reply().map(Transcript::result).orElse("no reply");
        return String.format("%-36s %-10s %8.1f ms  %s", op, requestType(), totalNanos() / 1e6, result);
    }

    private static String result(JsonNode reply) {
        if (reply.path("success").asBoolean(false)) {
            return "ok"
                    + (reply.has("restored_pid")
                            ? " pid=" + reply.get("restored_pid").asInt()
                            : "");
        }
        return "FAILED errno=" + reply.path("cr_errno").asInt(0)
                + (reply.has("cr_errmsg")
                        ? " \"" + reply.get("cr_errmsg").asText().strip() + "\""
                        : "");
    }

    /** Multi-line, human-readable rendering with offsets and phase durations. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("operation ").append(op).append('\n');
        for (ObjectNode n : entries) {
            sb.append(String.format("  +%9.3f ms  %s%n", (n.path("mono_ns").asLong() - startNanos) / 1e6, describe(n)));
        }
        Map<String, Long> phases = phaseNanos();
        if (!phases.isEmpty()) {
            sb.append("phases:\n");
            phases.forEach((k, v) -> sb.append(String.format("  %-44s %9.3f ms%n", k, v / 1e6)));
        }
        sb.append(String.format(
                "total %.3f ms, %s%n",
                totalNanos() / 1e6, reply().map(Transcript::result).orElse("no reply")));
        return sb.toString();
    }

    /** One event in words. */
    public static String describe(JsonNode n) {
        String kind = n.path("kind").asText();
        switch (kind) {
            case "meta":
                return "start " + n.path("argv") + " runtime pid "
                        + n.path("runtime_pid").asText() + " ("
                        + n.path("runtime").asText() + ")";
            case "note":
                return "note: " + n.path("text").asText();
            case "exit":
                return "criu exited with status " + n.path("status").asInt();
            default:
                break;
        }
        StringBuilder sb = new StringBuilder();
        sb.append(n.path("dir").asText())
                .append(' ')
                .append(n.path("msg").asText())
                .append(' ');
        String msg = n.path("msg").asText();
        if (msg.equals("notify")) {
            sb.append(n.path("script").asText());
        } else {
            sb.append(n.path("type").asText());
        }
        if (msg.equals("reply")) {
            sb.append(' ').append(result(n));
            if (n.has("version")) {
                sb.append(" version ").append(n.get("version").asText());
            }
        }
        if (n.has("opts")) {
            sb.append(' ').append(compactOpts(n.get("opts")));
        }
        if (n.path("fds").asInt(0) > 0) {
            sb.append(" [").append(n.get("fds").asInt()).append(" fd]");
        }
        if (msg.equals("undecodable")) {
            sb.append(n.path("error").asText());
        }
        return sb.toString();
    }

    private static String compactOpts(JsonNode opts) {
        StringBuilder sb = new StringBuilder();
        Iterator<Map.Entry<String, JsonNode>> it = opts.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getValue().isBoolean() && !f.getValue().asBoolean()) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(f.getKey());
            if (!f.getValue().isBoolean()) {
                sb.append('=')
                        .append(
                                f.getValue().isTextual()
                                        ? f.getValue().asText()
                                        : f.getValue().toString());
            }
        }
        return sb.toString();
    }

    private List<ObjectNode> messages(String msg) {
        return entries.stream().filter(n -> msg.equals(n.path("msg").asText())).toList();
    }
}
