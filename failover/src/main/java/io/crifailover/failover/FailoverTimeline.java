package io.crifailover.failover;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When each failover phase happened on this node, per container, logged and exported as timers
 * ({@code crif.failover.phase{phase=...}}, measured from the decision), and when this node last
 * began to suspect each peer (the detection phase, seen by the reporters).
 */
public final class FailoverTimeline {
    private static final Logger LOG = LoggerFactory.getLogger(FailoverTimeline.class);

    /** Failover phases seen on the restoring node. */
    public enum Phase {
        DECIDED,
        POD_REPLACED,
        RESTORE_CREATE,
        RESTORED
    }

    private final Map<String, Map<Phase, Instant>> marks = new ConcurrentHashMap<>();
    private final Map<String, Instant> suspected = new ConcurrentHashMap<>();
    private final MeterRegistry metrics;

    public FailoverTimeline(MeterRegistry metrics) {
        this.metrics = metrics;
    }

    public void mark(String container, Phase phase) {
        Instant now = Instant.now();
        Map<Phase, Instant> m = marks.computeIfAbsent(container, c -> new EnumMap<>(Phase.class));
        synchronized (m) {
            m.put(phase, now);
            Instant decided = m.get(Phase.DECIDED);
            if (decided != null && phase != Phase.DECIDED) {
                Duration since = Duration.between(decided, now);
                Timer.builder("crif.failover.phase")
                        .tag("phase", phase.name().toLowerCase())
                        .description("time from the restore decision to this phase")
                        .register(metrics)
                        .record(since);
                LOG.info("failover {}: {} at +{} ms after the decision", container, phase, since.toMillis());
            }
        }
    }

    /** This node's probes of {@code peer} just reached the miss threshold. */
    public void suspected(String peer) {
        suspected.put(peer, Instant.now());
    }

    /** Peer -> when this node last began to suspect it. */
    public Map<String, Instant> suspicions() {
        return new java.util.TreeMap<>(suspected);
    }

    public Map<String, Map<Phase, Instant>> snapshot() {
        Map<String, Map<Phase, Instant>> copy = new java.util.TreeMap<>();
        marks.forEach((k, v) -> {
            synchronized (v) {
                copy.put(k, new EnumMap<>(v));
            }
        });
        return copy;
    }
}
