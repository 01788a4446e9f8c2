package io.crifailover.placement;

import java.util.List;
import java.util.Objects;

/** The state machine's answer to a {@link Command}. Identical on every correct replica. */
public sealed interface Result {
    /** What a state-changing command did; callers branch on this, never on the detail text. */
    enum Outcome {
        /** Applied. */
        DONE,
        /** Refused; the detail says why. */
        REFUSED,
        /** A heartbeat of a node declared failed: it is live again in a new epoch and must fence itself first. */
        REJOINED
    }

    /** Outcome of a state-changing command, with a human-readable detail for logs. */
    record Ack(Outcome outcome, String detail) implements Result {
        public Ack {
            Objects.requireNonNull(outcome, "outcome");
            Objects.requireNonNull(detail, "detail");
        }

        /** {@link Outcome#DONE} when {@code accepted}, otherwise {@link Outcome#REFUSED}. */
        public Ack(boolean accepted, String detail) {
            this(accepted ? Outcome.DONE : Outcome.REFUSED, detail);
        }

        /** False when the command was refused. */
        public boolean accepted() {
            return outcome != Outcome.REFUSED;
        }
    }

    /** One {@link Ack} per entry of a batch command, in the command's order. */
    record Acks(List<Ack> acks) implements Result {
        public Acks {
            acks = List.copyOf(acks);
        }

        /** How many entries were applied. */
        public long accepted() {
            return acks.stream().filter(Ack::accepted).count();
        }
    }

    /** Outcome of a suspicion: the votes in the node's current epoch and its resulting status. */
    record SuspectOutcome(boolean accepted, String detail, int votes, NodeStatus status) implements Result {
        public SuspectOutcome {
            Objects.requireNonNull(detail, "detail");
            Objects.requireNonNull(status, "status");
        }
    }

    /** Restore decisions. */
    record Decisions(List<RestoreDecision> decisions) implements Result {
        public Decisions {
            decisions = List.copyOf(decisions);
        }
    }

    /** Nodes, sorted by name. */
    record Nodes(List<NodeInfo> nodes) implements Result {
        public Nodes {
            nodes = List.copyOf(nodes);
        }
    }

    /** Standby nodes chosen for a container (empty when refused or none qualifies). */
    record Standbys(boolean accepted, String detail, List<String> nodes) implements Result {
        public Standbys {
            Objects.requireNonNull(detail, "detail");
            nodes = List.copyOf(nodes);
        }
    }

    /** Events after the requested sequence. */
    record Events(List<PlacementEvent> events) implements Result {
        public Events {
            events = List.copyOf(events);
        }
    }
}
