package io.crifailover.placement;

import java.util.Objects;

/**
 * Something the state machine decided, kept in a bounded log for operators and the shim.
 *
 * @param sequence increasing event number
 * @param kind     what happened
 * @param subject  node or container the event is about
 * @param detail   human-readable detail
 */
public record PlacementEvent(long sequence, Kind kind, String subject, String detail) {
    /** Event kinds. */
    public enum Kind {
        NODE_REGISTERED,
        NODE_FAILED,
        NODE_RECOVERED,
        RESTORE_DECIDED,
        NO_COMPATIBLE_NODE,
        RESTORE_COMPLETED,
        CONTAINER_FORGOTTEN
    }

    public PlacementEvent {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(detail, "detail");
    }
}
