package io.crifailover.failover;

import java.time.Duration;
import java.time.Instant;

/**
 * Lease-style self-fencing against split brain: a node that has not reached the placement quorum
 * for longer than the fence timeout must stop its protected containers, because the rest of the
 * cluster may be restoring them elsewhere. The restoring node waits the same timeout after the
 * verdict before it starts, so the old copy is gone before the new one runs.
 */
public final class SelfFence {
  private final Duration timeout;
  private Instant lastQuorumContact;
  private boolean fenced;

  public SelfFence(Duration timeout, Instant start) {
    this.timeout = timeout;
    this.lastQuorumContact = start;
  }

  /** A call ordered by the placement quorum succeeded at {@code now}: the lease is renewed. */
  public synchronized void quorumContact(Instant now) {
    if (now.isAfter(lastQuorumContact)) {
      lastQuorumContact = now;
    }
    fenced = false;
  }

  /**
   * True exactly once when the lease has expired at {@code now}: the caller must then stop the
   * protected containers. Returns false again until the next quorum contact and expiry.
   */
  public synchronized boolean shouldFence(Instant now) {
    if (fenced || !now.isAfter(lastQuorumContact.plus(timeout))) {
      return false;
    }
    fenced = true;
    return true;
  }

  public synchronized boolean isFenced() {
    return fenced;
  }

  public Duration timeout() {
    return timeout;
  }
}
