package io.crifailover.failover;

import java.time.Duration;
import java.time.Instant;

/**
 * Lease-style self-fencing against split brain: a node that has not reached the placement quorum
 * for longer than the fence timeout must stop its protected containers, because the rest of the
 * cluster may be restoring them elsewhere. The restoring node waits the same timeout after the
 * verdict before it starts, so the old copy is gone before the new one runs. {@link #check} is the
 * whole rule, and the one {@link PlacementLink} runs: the lease is armed once the node was
 * registered while its probes reached enough peers (while a cluster comes up, nodes that cannot
 * reach a quorum yet must not stop what they run); an armed lease fences when it has run out
 * <em>and</em> the node's own probes reach fewer than 2f peers (a slow quorum, such as a leader
 * change, on a healthy network is not isolation); it fences once until the next quorum contact.
 */
public final class SelfFence {
    private final Duration timeout;
    private Instant lastQuorumContact;
    private boolean armed;
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
     * The fencing rule, checked periodically: true exactly when the caller must stop the protected
     * containers now.
     *
     * @param registered whether placement has registered this node
     * @param isolated whether this node's own probes reach fewer peers than a quorum needs
     */
    public synchronized boolean check(Instant now, boolean registered, boolean isolated) {
        if (!armed) {
            armed = registered && !isolated;
            return false;
        }
        return isolated && leaseExpired(now) && fenceOnce();
    }

    public synchronized boolean isFenced() {
        return fenced;
    }

    public Duration timeout() {
        return timeout;
    }
}
