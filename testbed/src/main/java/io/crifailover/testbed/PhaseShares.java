package io.crifailover.testbed;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a pod's checkpoints spend their time and CPU, per phase, between two readings of the source node's status
 * page ({@code protected[].costTotals}, which sums every checkpoint of the container so far).
 */
final class PhaseShares {
    private final JsonNode before;

    private PhaseShares(JsonNode before) {
        this.before = before;
    }

    /** Reads the pod's totals now; a pod without checkpoints yet (or an unreadable page) counts from zero. */
    static PhaseShares start(BedNode node, String pod) {
        try {
            return new PhaseShares(totals(node, pod));
        } catch (IOException e) {
            return new PhaseShares(com.fasterxml.jackson.databind.node.MissingNode.getInstance());
        }
    }

    /**
     * The checkpoints since {@link #start}: per phase wall and shim CPU in ms (sums), and each phase's share of
     * the wall time and of the CPU counted (the runtime shim's CPU, with runc and CRIU, in runtime_checkpoint).
     */
    Map<String, Object> since(BedNode node, String pod) {
        Map<String, Object> out = new LinkedHashMap<>();
        JsonNode after;
        try {
            after = totals(node, pod);
        } catch (IOException e) {
            out.put("error", e.getMessage());
            return out;
        }
        long checkpoints =
                after.path("checkpoints").asLong() - before.path("checkpoints").asLong();
        out.put("checkpoints", checkpoints);
        out.put("counted", after.path("counted").asText());
        double runtimeCpu = delta(after, before, "runtimeShimCpuMs");
        out.put("criu_frozen_ms_sum", round(delta(after, before, "criuFrozenMs")));
        out.put("runtime_shim_cpu_ms_sum", round(runtimeCpu));
        Map<String, Double> wall = new LinkedHashMap<>();
        Map<String, Double> cpu = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> phases = after.path("phases").fields();
        while (phases.hasNext()) {
            Map.Entry<String, JsonNode> p = phases.next();
            JsonNode old = before.path("phases").path(p.getKey());
            wall.put(p.getKey(), delta(p.getValue(), old, "wallMs"));
            cpu.put(p.getKey(), delta(p.getValue(), old, "cpuMs"));
        }
        cpu.merge("runtime_checkpoint", runtimeCpu, Double::sum);
        double wallSum = wall.values().stream().mapToDouble(Double::doubleValue).sum();
        double cpuSum = cpu.values().stream().mapToDouble(Double::doubleValue).sum();
        Map<String, Object> perPhase = new LinkedHashMap<>();
        for (String phase : wall.keySet()) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("wall_ms_per_checkpoint", checkpoints == 0 ? -1 : round(wall.get(phase) / checkpoints));
            p.put("cpu_ms_per_checkpoint", checkpoints == 0 ? -1 : round(cpu.get(phase) / checkpoints));
            p.put("wall_share", wallSum == 0 ? 0 : round(wall.get(phase) / wallSum));
            p.put("cpu_share", cpuSum == 0 ? 0 : round(cpu.get(phase) / cpuSum));
            perPhase.put(phase, p);
        }
        out.put("phases", perPhase);
        return out;
    }

    private static double delta(JsonNode after, JsonNode before, String field) {
        return Math.max(0, after.path(field).asDouble(0))
                - Math.max(0, before.path(field).asDouble(0));
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static JsonNode totals(BedNode node, String pod) throws IOException {
        for (JsonNode c : StatusPage.read(node).path("protected")) {
            String[] key = c.path("key").asText().split("/", -1);
            if (key.length == 5 && key[3].equals(pod)) {
                return c.path("costTotals");
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
}
