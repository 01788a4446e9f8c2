package io.crifailover.placement;

/** Liveness verdict the state machine holds for a node. */
public enum NodeStatus {
    /** Registered and not declared failed in its current epoch. */
    LIVE,
    /** Declared failed by f+1 distinct reporters; recovers only by its own heartbeat. */
    FAILED
}
