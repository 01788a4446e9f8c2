package io.crifailover.testbed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crifailover.shim.metrics.MetricsToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/** Reads a bed node's {@code /status} page (inside its namespace, as an operator on that host would). */
final class StatusPage {
    private StatusPage() {}

    static JsonNode read(BedNode node) throws IOException {
        var r = node.netns().exec("curl", "-sf", "-m", "5", "-H", authorization(node), "http://127.0.0.1:9464/status");
        if (!r.ok()) {
            throw new IOException("status of " + node.name() + " unavailable: " + r.output());
        }
        return new ObjectMapper().readTree(r.output());
    }

    /** The header the node's metrics endpoint and status page ask for: its shim's token, beside its socket. */
    static String authorization(BedNode node) throws IOException {
        Path token = node.shimSocket().resolveSibling(MetricsToken.FILE_NAME);
        return "Authorization: Bearer " + Files.readString(token).trim();
    }

    /** The node its placement replica takes for the BFT-SMaRt leader, if the status page says. */
    static java.util.Optional<String> placementLeader(BedNode node) {
        try {
            String leader = read(node).path("placementReplica").path("leader").asText("");
            return leader.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(leader);
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    /** Cluster member -> status (LIVE, FAILED) as the node's status page lists them; empty while it is unavailable. */
    static Map<String, String> memberStatuses(BedNode node) {
        Map<String, String> statuses = new TreeMap<>();
        try {
            for (JsonNode member : read(node).path("cluster")) {
                statuses.put(member.path("name").asText(), member.path("status").asText());
            }
        } catch (IOException e) {
            statuses.clear();
        }
        return statuses;
    }

    /** How many cluster members the node's status page lists as LIVE; 0 while it is unavailable. */
    static int liveMembers(BedNode node) {
        return (int)
                memberStatuses(node).values().stream().filter("LIVE"::equals).count();
    }

    /** When the node last began to suspect {@code peer}, in ms after {@code faultEpochMs}; -1 if never or before. */
    static long suspectedAt(BedNode node, String peer, long faultEpochMs) {
        try {
            JsonNode at = read(node).path("suspectedPeers").path(peer);
            if (at.isMissingNode()) {
                return -1;
            }
            long ms = Instant.parse(at.asText()).toEpochMilli() - faultEpochMs;
            return ms >= 0 ? ms : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** The failover phases the node recorded, in ms after {@code faultEpochMs} (latest failover). */
    static Map<String, Long> timeline(BedNode node, long faultEpochMs) {
        Map<String, Long> phases = new TreeMap<>();
        try {
            JsonNode tl = read(node).path("failoverTimeline");
            tl.fields()
                    .forEachRemaining(container -> container.getValue().fields().forEachRemaining(p -> {
                        long at = Instant.parse(p.getValue().asText()).toEpochMilli() - faultEpochMs;
                        phases.merge(p.getKey(), at, Math::max);
                    }));
        } catch (IOException e) {
            phases.put("error", -1L);
        }
        return phases;
    }
}
