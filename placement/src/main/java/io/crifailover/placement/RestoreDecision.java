package io.crifailover.placement;

import java.util.Objects;

/**
 * Where one container of a failed node is restored.
 *
 * @param containerId     the container
 * @param decisionId      unique, increasing id; an ack must name it
 * @param failedNode      node whose failure caused the decision
 * @param failedEpoch     epoch of the failed node when it was declared failed
 * @param target          chosen node, empty when {@link DecisionStatus#NO_COMPATIBLE_NODE}
 * @param status          lifecycle state
 * @param checkpointDigest digest of the checkpoint to restore
 * @param checkpointSequence sequence of the checkpoint to restore
 * @param reason          human-readable explanation
 */
public record RestoreDecision(
        String containerId,
        long decisionId,
        String failedNode,
        long failedEpoch,
        String target,
        DecisionStatus status,
        String checkpointDigest,
        long checkpointSequence,
        String reason) {
    public RestoreDecision {
        Objects.requireNonNull(containerId, "containerId");
        Objects.requireNonNull(failedNode, "failedNode");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(checkpointDigest, "checkpointDigest");
        Objects.requireNonNull(reason, "reason");
        if (status == DecisionStatus.NO_COMPATIBLE_NODE && !target.isEmpty()) {
            throw new IllegalArgumentException("decision without compatible node must not name a target");
        }
        if (status != DecisionStatus.NO_COMPATIBLE_NODE && target.isEmpty()) {
            throw new IllegalArgumentException("decision " + status + " must name a target");
        }
    }

    /** True when this decision restores onto a node. */
    public boolean hasTarget() {
        return !target.isEmpty();
    }

    RestoreDecision completed() {
        return new RestoreDecision(
                containerId,
                decisionId,
                failedNode,
                failedEpoch,
                target,
                DecisionStatus.COMPLETED,
                checkpointDigest,
                checkpointSequence,
                "restore acknowledged by " + target);
    }
}
