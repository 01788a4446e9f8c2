package io.crifailover.placement;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one replica in step with the cluster. BFT-SMaRt has no way for a replica to withdraw a leader change that
 * no quorum joins: a replica that timed out requests alone (it was cut off while its own client kept sending to it,
 * or it started late and retrieved state) sends STOP for the next regency, disables its request timer and
 * re-sends that STOP every timeout, forever, while it keeps executing the decisions of the working leader. It can
 * then no longer detect a failed leader, and its stale vote makes a single other replica's timeout enough for a
 * leader change. Every {@code period} this watchdog samples the replica's regencies and executed consensus id:
 *
 * <ul>
 *   <li>in a leader change for longer than {@code staleAfter} while it executed new decisions of its current
 *       regency all along (so the leader works): withdraw the change ({@link
 *       PlacementStateManager#dropStaleLeaderChange});</li>
 *   <li>not in a leader change for two samples in a row but still re-sending STOP messages for a regency above the
 *       installed one (left over from a change that a state transfer overtook): cancel them. The STOP of the
 *       installed regency is kept: until its new leader sends SYNC, replicas that missed it need it.</li>
 *   <li>always: forget client requests whose client has moved on ({@link
 *       PlacementStateManager#dropAbandonedRequests}), which would otherwise time out and ask for a new leader
 *       every request timeout for ever.</li>
 * </ul>
 *
 * All three only touch this replica's local liveness state (timers, its own regency wish), never ordered state, votes
 * of others or what is decided.
 */
final class ReplicaWatchdog implements AutoCloseable {
    static final Duration PERIOD = Duration.ofMillis(250);
    /** Longer than any client waits for a reply ({@link PlacementClient#DEFAULT_TIMEOUT}). */
    static final Duration ABANDONED_AFTER = PlacementClient.DEFAULT_TIMEOUT.plusSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaWatchdog.class);

    private final PlacementStateManager manager;
    private final long staleAfterNanos;
    private final ScheduledExecutorService timer;
    private ReplicaStatus changeSeen;
    private long changeSince;
    private ReplicaStatus idleSeen;

    ReplicaWatchdog(PlacementStateManager manager, Duration staleAfter, Duration period) {
        this.manager = manager;
        this.staleAfterNanos = staleAfter.toNanos();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "placement-replica-watchdog");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::check, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    void check() {
        try {
            int forgotten = manager.dropAbandonedRequests(System.nanoTime(), ABANDONED_AFTER.toNanos());
            if (forgotten > 0) {
                LOG.warn(
                        "replica forgot {} client requests pending for over {} s (see dropAbandonedRequests)",
                        forgotten,
                        ABANDONED_AFTER.toSeconds());
            }
            ReplicaStatus now = manager.status();
            if (now == null || now.retrievingState()) {
                changeSeen = null;
                idleSeen = null;
                return;
            }
            long t = System.nanoTime();
            if (now.inLeaderChange()) {
                idleSeen = null;
                if (changeSeen == null
                        || changeSeen.regency() != now.regency()
                        || changeSeen.nextRegency() != now.nextRegency()) {
                    changeSeen = now;
                    changeSince = t;
                } else if (t - changeSince >= staleAfterNanos && now.lastExecuted() > changeSeen.lastExecuted()) {
                    if (manager.dropStaleLeaderChange(now)) {
                        LOG.warn(
                                "replica withdrew its leader change to regency {}: nobody joined it for {} ms while "
                                        + "regency {} kept deciding (consensus {} -> {})",
                                now.nextRegency(),
                                (t - changeSince) / 1_000_000,
                                now.regency(),
                                changeSeen.lastExecuted(),
                                now.lastExecuted());
                    }
                    changeSeen = null;
                }
                return;
            }
            changeSeen = null;
            if (idleSeen != null && idleSeen.regency() == now.regency() && manager.dropOrphanStopRetransmissions(now)) {
                LOG.warn("replica cancelled STOP retransmissions left over in regency {}", now.regency());
            }
            idleSeen = now;
        } catch (RuntimeException e) {
            LOG.warn("replica watchdog check failed", e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
