package io.crifailover.testbed;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bed of a benchmark that must go on after a run that broke the cluster: when the nodes do not all
 * see each other live again after a run, the bed is replaced by a fresh one and the replacement is
 * recorded, so one lost failover costs one run, not the whole benchmark.
 */
final class RenewableBed implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RenewableBed.class);

    private final FailoverBed.Options options;
    private final List<String> renewals = new ArrayList<>();
    private FailoverBed bed;

    RenewableBed(FailoverBed.Options options) {
        this.options = options;
        this.bed = FailoverBed.start(options);
    }

    FailoverBed get() {
        return bed;
    }

    /**
     * Waits up to {@code bound} for every node to list all members live; if they do not, starts a fresh bed and
     * records {@code after} as the reason.
     */
    void awaitLiveOrRenew(Duration bound, String after) {
        try {
            Awaitility.await("nodes live again")
                    .atMost(bound)
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> bed.nodes().stream()
                            .allMatch(n ->
                                    StatusPage.liveMembers(n) == bed.nodes().size()));
        } catch (ConditionTimeoutException e) {
            LOG.warn("bed: nodes not all live {} s after {}: starting a fresh bed", bound.toSeconds(), after);
            System.out.printf(
                    "the nodes did not all see each other live %d s after %s: fresh bed%n", bound.toSeconds(), after);
            renewals.add(after);
            bed.close();
            bed = FailoverBed.start(options);
        }
    }

    /**
     * Waits up to {@code bound} until no node's agent runs {@code pod} any more; a node that keeps it longer is
     * logged (the liveness check that follows decides whether the bed goes on).
     */
    void awaitPodGone(String pod, Duration bound) {
        try {
            Awaitility.await(pod + " gone from every node")
                    .atMost(bound)
                    .until(() -> bed.nodes().stream()
                            .allMatch(n -> n.agent().pods().values().stream()
                                    .noneMatch(p -> p.name().equals(pod))));
        } catch (ConditionTimeoutException e) {
            LOG.warn("bed: {} still on a node {} s after its deletion", pod, bound.toSeconds());
        }
    }

    /** The runs after which the bed had to be replaced. */
    List<String> renewals() {
        return List.copyOf(renewals);
    }

    @Override
    public void close() {
        bed.close();
    }
}
