package io.crifailover.placement;

/** Lifecycle of a restore decision. */
public enum DecisionStatus {
    /** A target was chosen and has not acknowledged the restore yet. */
    PENDING,
    /** The target acknowledged a completed restore. */
    COMPLETED,
    /** No live, compatible node holding the checkpoint exists: nothing is restored. */
    NO_COMPATIBLE_NODE
}
