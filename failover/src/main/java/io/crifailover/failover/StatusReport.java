package io.crifailover.failover;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crifailover.placement.NodeInfo;
import io.crifailover.placement.RestoreDecision;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * The JSON behind {@code cri-failover status}: this node's view plus the cluster's verdicts as the last
 * {@link ClusterView} refresh saw them ({@code clusterViewAt}, {@code clusterViewAgeMs}).
 */
final class StatusReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private StatusReport() {}

    private static void writeCriu(ObjectNode o, CriuReadiness criu) {
        o.put("state", criu.state().name());
        o.put("ready", criu.ready());
        o.put("reason", criu.reason());
        o.put("version", criu.version());
        o.put("xsave", criu.xsave().toString());
        o.put("cpuModel", criu.cpuModel());
        o.put("at", criu.at().toString());
        ArrayNode checks = o.putArray("checks");
        for (CriuReadiness.Check c : criu.checks()) {
            ObjectNode n = checks.addObject();
            n.put("name", c.name());
            n.put("passed", c.passed());
            n.put("required", c.required());
            n.put("tookMs", c.tookMs());
            n.put("output", c.output());
        }
    }

    private static double ms(long nanos) {
        return nanos < 0 ? -1 : Math.round(nanos / 1e4) / 100.0;
    }

    /** One checkpoint: per phase wall and CPU in ms (see {@link PhaseCost} for what each counts). */
    private static void writeCost(ObjectNode o, CheckpointCost cost) {
        o.put("wallMs", ms(cost.wallNanos()));
        o.put("criuFrozenMs", ms(cost.criuFrozenNanos()));
        o.put("runtimeShimCpuMs", ms(cost.runtimeCpuNanos()));
        ObjectNode phases = o.putObject("phases");
        for (CheckpointPhase phase : CheckpointPhase.values()) {
            PhaseCost c = cost.of(phase);
            ObjectNode p = phases.putObject(phase.key());
            p.put("wallMs", ms(c.wallNanos()));
            p.put("cpuMs", ms(c.cpuNanos()));
            p.put("processCpuMs", ms(c.processCpuNanos()));
        }
    }

    /** All checkpoints of the container so far: sums per phase and each phase's share of wall time and CPU. */
    private static void writeTotals(ObjectNode o, CostTotals.Snapshot totals) {
        o.put("checkpoints", totals.checkpoints());
        o.put("criuFrozenMs", ms(totals.criuFrozenNanos()));
        o.put("runtimeShimCpuMs", ms(totals.runtimeCpuNanos()));
        o.put("runtimeShimCpuMeasured", totals.runtimeCpuMeasured());
        o.put(
                "counted",
                "cpuMs: the shim's threads working on the phase (checkpoint thread, replication workers); "
                        + "processCpuMs: the whole shim JVM while the phase ran; runtimeShimCpuMs: the container's "
                        + "runtime shim with runc and CRIU (not the runtime daemon), counted in runtime_checkpoint's "
                        + "cpuShare");
        ObjectNode phases = o.putObject("phases");
        for (CheckpointPhase phase : CheckpointPhase.values()) {
            PhaseCost c = totals.phases().getOrDefault(phase, PhaseCost.ZERO);
            ObjectNode p = phases.putObject(phase.key());
            p.put("wallMs", ms(c.wallNanos()));
            p.put("cpuMs", ms(c.cpuNanos()));
            p.put("processCpuMs", ms(c.processCpuNanos()));
            p.put("wallShare", Math.round(totals.wallShare(phase) * 1000) / 1000.0);
            p.put("cpuShare", Math.round(totals.cpuShare(phase) * 1000) / 1000.0);
        }
    }

    /** The ordered calls that recorded this node's checkpoints in placement's catalog, and the records they carried. */
    private static void writeCatalog(ObjectNode o, CheckpointCatalog.Stats catalog) {
        o.put("calls", catalog.calls());
        o.put("records", catalog.records());
        o.put(
                "recordsPerCall",
                catalog.calls() == 0 ? 0 : Math.round(100.0 * catalog.records() / catalog.calls()) / 100.0);
        o.put("largestCall", catalog.largestCall());
        o.put("failedCalls", catalog.failedCalls());
        o.put("queued", catalog.queued());
    }

    /** Placement's view of every node and decision, with its age: it comes from {@link ClusterView}, not a call. */
    private static void writeCluster(ObjectNode root, ClusterView.Snapshot view, Instant now) {
        if (view.fetchedAt() != null) {
            root.put("clusterViewAt", view.fetchedAt().toString());
            root.put("clusterViewAgeMs", Duration.between(view.fetchedAt(), now).toMillis());
        }
        ArrayNode ns = root.putArray("cluster");
        for (NodeInfo n : view.nodes()) {
            ObjectNode o = ns.addObject();
            o.put("name", n.name());
            o.put("status", n.status().name());
            o.put("epoch", n.epoch());
            o.put("load", n.load());
            o.put("capacity", n.capacity());
            o.put("criuReady", n.criuReady());
            o.put("xsave", n.xsave().toString());
        }
        ArrayNode ds = root.putArray("decisions");
        for (RestoreDecision d : view.decisions()) {
            ObjectNode o = ds.addObject();
            o.put("container", d.containerId());
            o.put("failedNode", d.failedNode());
            o.put("target", d.target());
            o.put("status", d.status().name());
            o.put("checkpointSequence", d.checkpointSequence());
            o.put("reason", d.reason());
        }
        if (view.error() != null) {
            root.put("clusterError", view.error());
        } else if (view.fetchedAt() == null) {
            root.put("clusterError", "placement has not answered yet");
        }
    }

    static byte[] of(
            FailoverConfig config,
            PlacementLink link,
            ClusterView.Snapshot view,
            Instant now,
            boolean optedIn,
            Set<String> protectedIds,
            Map<String, CheckpointPipeline.LastCheckpoint> last,
            Map<String, RestoreDecision> pending,
            FailoverTimeline timeline,
            io.crifailover.placement.ReplicaStatus replica,
            int replicaRestarts,
            CriuReadiness criu,
            Map<String, StuckCheckpoints.Stuck> stuck,
            CheckpointCatalog.Stats catalog) {
        ObjectNode root = JSON.createObjectNode();
        root.put("node", config.nodeName());
        root.put("address", config.nodeAddress());
        root.put("optedIn", optedIn);
        root.put("fenced", link.fenced());
        writeCriu(root.putObject("criu"), criu);
        ArrayNode containers = root.putArray("protected");
        for (String id : new java.util.TreeSet<>(protectedIds)) {
            ObjectNode c = containers.addObject();
            c.put("containerId", id);
            CheckpointPipeline.LastCheckpoint cp = last.get(id);
            if (cp != null) {
                c.put("key", cp.container());
                c.put("lastSequence", cp.sequence());
                c.put("lastDigest", cp.digest());
                c.put("lastAt", cp.at().toString());
                c.put("layerBytes", cp.layerBytes());
                c.put("criuFrozenMs", cp.frozenMs());
                ArrayNode holders = c.putArray("holders");
                cp.holders().forEach(holders::add);
                writeCost(c.putObject("lastCost"), cp.cost());
                writeTotals(c.putObject("costTotals"), cp.totals());
            }
            StuckCheckpoints.Stuck s = stuck.get(id);
            c.put("stuck", s != null);
            if (s != null) {
                ObjectNode o = c.putObject("stuckCheckpoint");
                o.put("sequence", s.sequence());
                o.put("since", s.since().toString());
                o.put("deadlineMs", s.deadline().toMillis());
                o.put("initPid", s.initPid());
                o.put("evidence", s.evidence());
            }
        }
        writeCatalog(root.putObject("catalogCalls"), catalog);
        writeCluster(root, view, now);
        if (replica != null) {
            ObjectNode r = root.putObject("placementReplica");
            r.put("regency", replica.regency());
            r.put(
                    "leader",
                    config.members().stream()
                            .filter(m -> m.replicaId() == replica.leader())
                            .map(FailoverConfig.Member::name)
                            .findFirst()
                            .orElse("replica " + replica.leader()));
            r.put("lastExecuted", replica.lastExecuted());
            r.put("inLeaderChange", replica.inLeaderChange());
            r.put("retrievingState", replica.retrievingState());
            r.put("restarts", replicaRestarts);
        }
        ArrayNode waiting = root.putArray("pendingRestoresHere");
        pending.keySet().forEach(waiting::add);
        ObjectNode tl = root.putObject("failoverTimeline");
        timeline.snapshot().forEach((container, phases) -> {
            ObjectNode p = tl.putObject(container);
            phases.forEach((phase, at) -> p.put(phase.name().toLowerCase(), at.toString()));
        });
        ObjectNode suspicions = root.putObject("suspectedPeers");
        timeline.suspicions().forEach((peer, at) -> suspicions.put(peer, at.toString()));
        try {
            return JSON.writeValueAsBytes(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
