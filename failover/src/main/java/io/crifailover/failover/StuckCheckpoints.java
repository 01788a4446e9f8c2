package io.crifailover.failover;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Containers whose last runtime checkpoint ran past its deadline. While the runtime's dump of such a container still
 * runs ({@link RunningDumps}) it is not checkpointed again: a second dump would queue behind the hung one, or race
 * it. Counts timeouts ({@code crif.checkpoint.timeouts}) and stuck containers ({@code crif.checkpoint.stuck}).
 */
public final class StuckCheckpoints {
    private static final Logger LOG = LoggerFactory.getLogger(StuckCheckpoints.class);

    /**
     * One stuck container.
     *
     * @param container the container
     * @param sequence  the checkpoint that timed out
     * @param since     when the shim gave up waiting
     * @param deadline  the deadline it ran past
     * @param initPid   its init process, 0 if unknown
     * @param archive   where the runtime was asked to write the archive (removed once the dump ended)
     * @param evidence  what showed the dump still running at the last look
     */
    public record Stuck(
            ContainerRef container,
            long sequence,
            Instant since,
            Duration deadline,
            long initPid,
            Path archive,
            String evidence) {}

    private final RunningDumps dumps;
    private final Clock clock;
    private final Counter timeouts;
    private final Map<String, Stuck> stuck = new ConcurrentHashMap<>();

    public StuckCheckpoints(RunningDumps dumps, Clock clock, MeterRegistry metrics) {
        this.dumps = dumps;
        this.clock = clock;
        this.timeouts = Counter.builder("crif.checkpoint.timeouts")
                .description("runtime checkpoints that ran past their deadline")
                .register(metrics);
        Gauge.builder("crif.checkpoint.stuck", stuck, Map::size)
                .description("containers whose timed-out dump may still be running")
                .register(metrics);
    }

    /** The runtime checkpoint of {@code container} ran past {@code deadline}. */
    public void timedOut(ContainerRef container, long sequence, Duration deadline, long initPid, Path archive) {
        timeouts.increment();
        String evidence = dumps.evidence(container.containerId(), initPid).orElse("none seen yet");
        stuck.put(
                container.containerId(),
                new Stuck(container, sequence, clock.instant(), deadline, initPid, archive, evidence));
        LOG.error(
                "checkpoint {} of {} ran past its {} ms deadline; no further checkpoint of it while the runtime's "
                        + "dump runs ({})",
                sequence,
                container,
                deadline.toMillis(),
                evidence);
    }

    /**
     * Whether {@code containerId} may be checkpointed now: empty if so (a stuck entry whose dump has ended is
     * cleared), else what shows its earlier dump still running.
     */
    public Optional<String> stillDumping(String containerId) {
        Stuck s = stuck.get(containerId);
        if (s == null) {
            return Optional.empty();
        }
        Optional<String> evidence = dumps.evidence(containerId, s.initPid());
        if (evidence.isPresent()) {
            stuck.computeIfPresent(
                    containerId,
                    (id, old) -> new Stuck(
                            old.container(),
                            old.sequence(),
                            old.since(),
                            old.deadline(),
                            old.initPid(),
                            old.archive(),
                            evidence.get()));
            return evidence;
        }
        clear(containerId);
        LOG.info(
                "the timed-out dump of {} (checkpoint {}) has ended after {} ms: checkpointing it again",
                s.container(),
                s.sequence(),
                Duration.between(s.since(), clock.instant()).toMillis());
        return Optional.empty();
    }

    /** Forgets {@code containerId} (it is gone, or its dump ended) and removes the archive a late dump wrote. */
    public void clear(String containerId) {
        Stuck s = stuck.remove(containerId);
        if (s != null && s.archive() != null) {
            try {
                Files.deleteIfExists(s.archive());
            } catch (IOException e) {
                LOG.warn("removing the late archive {} failed: {}", s.archive(), e.toString());
            }
        }
    }

    /** Stuck containers by container id, sorted. */
    public Map<String, Stuck> all() {
        return new TreeMap<>(stuck);
    }

    public double timeouts() {
        return timeouts.count();
    }
}
