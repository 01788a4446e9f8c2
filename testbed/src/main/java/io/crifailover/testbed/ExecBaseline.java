package io.crifailover.testbed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The failover benchmark's earlier numbers, measured with a client that read the app through CRI
 * exec (CRIU 4.1 could not checkpoint TCP servers), kept next to the TCP numbers that replace them:
 * read from the results file before it is overwritten (its series if it was exec-based, or the
 * baseline it already carried), and set side by side with ratios.
 */
final class ExecBaseline {
    private static final List<String> KEPT = List.of("runs_succeeded", "fault_to_service_ms", "state_lost_ms");

    private ExecBaseline() {}

    /** Series name -> the earlier exec-based numbers found in {@code results}; empty if none. */
    static Map<String, Map<String, Object>> read(Path results) {
        Map<String, Map<String, Object>> baseline = new LinkedHashMap<>();
        if (!Files.exists(results)) {
            return baseline;
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(results.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the earlier results " + results, e);
        }
        boolean execBased = !root.has("client");
        root.fields().forEachRemaining(field -> {
            JsonNode source = execBased ? field.getValue() : field.getValue().path("earlier_exec_based");
            if (source.isObject() && source.has("fault_to_service_ms")) {
                Map<String, Object> kept = new LinkedHashMap<>();
                KEPT.forEach(k -> {
                    if (source.has(k)) {
                        kept.put(k, source.get(k).asLong());
                    }
                });
                kept.put("client", "CRI exec (runc exec per request), 250 ms deadline");
                baseline.put(field.getKey(), kept);
            }
        });
        return baseline;
    }

    /** The CPU part of the results file, for a run that does not measure it again (marked as carried over). */
    static java.util.Optional<JsonNode> previousCpuOverhead(Path results) {
        if (!Files.exists(results)) {
            return java.util.Optional.empty();
        }
        try {
            JsonNode cpu = new ObjectMapper().readTree(results.toFile()).path("cpu_overhead");
            if (cpu instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
                o.put("carried_over", "not measured in this run; from the results file it replaced");
                return java.util.Optional.of(o);
            }
            return java.util.Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the earlier results " + results, e);
        }
    }

    /** Adds the earlier numbers and the TCP/exec ratios to {@code series} (nothing if there are none). */
    static void compare(Map<String, Object> series, Map<String, Object> earlier) {
        if (earlier == null) {
            return;
        }
        series.put("earlier_exec_based", earlier);
        ratio(series, earlier, "fault_to_service_ms");
        ratio(series, earlier, "state_lost_ms");
    }

    private static void ratio(Map<String, Object> series, Map<String, Object> earlier, String key) {
        Object now = series.get(key);
        Object before = earlier.get(key);
        if (now instanceof Long n && before instanceof Long b && n >= 0 && b > 0) {
            series.put(key + "_ratio_tcp_vs_exec", Math.round(1000.0 * n / b) / 1000.0);
        }
    }
}
