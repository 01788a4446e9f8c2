package io.crifailover.failover;

import java.time.Duration;
import java.time.Instant;

/**
 * Lease-style self-fencing against split brain: a node that has not reached the placement quorum
 * for longer than the fence timeout must stop its protected containers, because the rest of the
 * cluster may be restoring them elsewhere. The restoring node waits the same timeout after the
 * verdict before it starts, so the old copy is gone before the new one runs. The lease is armed by
 * the first quorum contact: while a cluster comes up, nodes that cannot reach a quorum yet must
 * not stop what they run. {@link PlacementLink} fences only when, in addition, the node's own
 * probes reach fewer than 2f peers: a slow quorum (leader change) on a healthy network is not
 * isolation.
 */
public final class SelfFence {
    private final Duration timeout;
    private Instant lastQuorumContact;
    private boolean fenced;

    public SelfFence(Duration timeout) {
        this.timeout = timeout;
    }

    /** A call ordered by the placement quorum succeeded at {@code now}: the lease is renewed. */
    public synchronized void quorumContact(Instant now) {
        if (lastQuorumContact == null || now.isAfter(lastQuorumContact)) {
            lastQuorumContact = now;
        }
        fenced = false;
    }

    /** Whether the lease, once armed, has run out at {@code now}. */
    public synchronized boolean leaseExpired(Instant now) {
        return lastQuorumContact != null && now.isAfter(lastQuorumContact.plus(timeout));
    }

    /** Marks the node fenced; true if it was not fenced before (the caller then stops containers). */
    public synchronized boolean fenceOnce() {
        if (fenced) {
            return false;
        }
        fenced = true;
        return true;
    }

    /**
     * True exactly once when the lease has expired at {@code now}: the caller must then stop the
     * protected containers. Returns false again until the next quorum contact and expiry.
     */
    public synchronized boolean shouldFence(Instant now) {
        return leaseExpired(now) && fenceOnce();
    }

    public synchronized boolean isFenced() {
        return fenced;
    }

    public Duration timeout() {
        return timeout;
    }
}
