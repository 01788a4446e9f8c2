package io.crifailover.failover;

import io.crifailover.placement.NodeInfo;
import io.crifailover.placement.RestoreDecision;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What placement last said about the whole cluster (every node's verdict, every restore decision), for the
 * status page. Reading it never calls placement: a timer refreshes it on the placement thread, at most once per
 * period while somebody read it lately and otherwise only when it is older than the idle bound, and one refresh
 * at a time, so no number of page reads adds ordered BFT calls. The view says when it was fetched.
 */
final class ClusterView {
    /** Placement's answer as of {@code fetchedAt} (null: never answered), and the last refresh's error, if any. */
    record Snapshot(List<NodeInfo> nodes, List<RestoreDecision> decisions, Instant fetchedAt, String error) {
        static final Snapshot NONE = new Snapshot(List.of(), List.of(), null, null);

        Snapshot failed(String why) {
            return new Snapshot(nodes, decisions, fetchedAt, why);
        }
    }

    private final PlacementLink link;
    private final Clock clock;
    private final Duration interest;
    private final Duration idleBound;
    private final AtomicBoolean inFlight = new AtomicBoolean();
    private volatile Snapshot snapshot = Snapshot.NONE;
    private volatile Instant lastRead = Instant.MIN;

    /**
     * @param interest how long after a read the view is kept fresh
     * @param idleBound how old the view may grow while nobody reads it
     */
    ClusterView(PlacementLink link, Clock clock, Duration interest, Duration idleBound) {
        this.link = link;
        this.clock = clock;
        this.interest = interest;
        this.idleBound = idleBound;
    }

    /** Refreshes every {@code period} when wanted (see the class comment), first right away. */
    ClusterView start(ScheduledExecutorService timers, Duration period) {
        timers.scheduleWithFixedDelay(this::refreshIfWanted, 0, period.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** The last view; never waits for placement. */
    Snapshot read() {
        lastRead = clock.instant();
        return snapshot;
    }

    void refreshIfWanted() {
        Instant now = clock.instant();
        Snapshot s = snapshot;
        boolean read = lastRead.isAfter(now.minus(interest));
        boolean stale = s.fetchedAt() == null || s.fetchedAt().isBefore(now.minus(idleBound));
        if ((read || stale) && inFlight.compareAndSet(false, true)) {
            link.submit(c -> {
                try {
                    snapshot = new Snapshot(c.nodes(), c.decisions(""), clock.instant(), null);
                } catch (RuntimeException e) {
                    snapshot = snapshot.failed(String.valueOf(e.getMessage()));
                    throw e;
                } finally {
                    inFlight.set(false);
                }
            });
        }
    }
}
