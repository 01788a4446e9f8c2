package io.crifailover.failover;

import io.crifailover.placement.DecisionStatus;
import io.crifailover.placement.RestoreDecision;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * When this node must refuse to create or start a protected container, so that a fenced copy never comes back
 * while the cluster restores it elsewhere (kubelet restarts exited containers by itself). The hold has three
 * sources:
 *
 * <ul>
 *   <li>the node is fenced now (its lease ran out while it was isolated);
 *   <li>it was fenced, or its shim (re)started, and it has not yet heard, from a heartbeat <em>sent after that</em>,
 *       whether placement declared it failed meanwhile (the first answered call after a cut renews the lease before
 *       the heartbeat says so);
 *   <li>placement declared it failed: every pod that was protected here then is <em>lost</em> to this node, by pod
 *       UID (kubelet recreates a sandbox under the same UID), until placement's decisions show that none of its
 *       containers is restored elsewhere for that failure, or its pod is gone from the API.
 * </ul>
 *
 * Stop and remove calls are never held: kubelet's cleanup of a pod bound elsewhere goes ahead as usual.
 */
public final class FenceHold {
    private final String node;
    /** Since when the node awaits its standing (shim start or fence); null when it knows it. */
    private Instant fencedAt;
    /** What made it await its standing, for the refusal message. */
    private String awaiting;
    /** Pods protected here when the node fenced, by UID. */
    private final Map<String, Pod> atRisk = new HashMap<>();
    /** Pods lost to this node by a failure verdict, by UID, with the epoch it was declared failed in. */
    private final Map<String, Lost> lost = new HashMap<>();
    /** A failure epoch whose restore decisions have not been checked yet. */
    private OptionalLong unresolved = OptionalLong.empty();

    /** A protected pod: its UID and where it lives in the API. */
    public record Pod(String uid, String namespace, String name) {
        static Pod of(ProtectedSandboxes.Sandbox sb) {
            return new Pod(sb.podUid(), sb.namespace(), sb.podName());
        }
    }

    private record Lost(Pod pod, long epoch) {}

    /**
     * A hold for a shim started at {@code startedAt}: until a heartbeat sent after that is answered it does not know
     * whether the node was declared failed while the shim was away, so it holds as after a fence.
     */
    public FenceHold(String node, Instant startedAt) {
        this.node = node;
        this.fencedAt = startedAt;
        this.awaiting = "its shim started at " + startedAt;
    }

    /** The node fenced at {@code at}, when these sandboxes were protected here. */
    public synchronized void fenced(Instant at, Collection<ProtectedSandboxes.Sandbox> protectedNow) {
        if (fencedAt == null) {
            fencedAt = at;
            awaiting = "it was fenced at " + at;
        }
        protectedNow.forEach(sb -> atRisk.put(sb.podUid(), Pod.of(sb)));
    }

    /**
     * A heartbeat sent at {@code sent} was answered. {@code rejoinedIn} is present when placement had declared this node
     * failed and the heartbeat brought it back, in that epoch (it failed in the one before): the pods at risk and those
     * protected now are then lost; any other answer to a heartbeat sent after the fence means it was not declared
     * failed, and the fence's hold ends.
     */
    public synchronized void heartbeat(
            Instant sent, OptionalLong rejoinedIn, Collection<ProtectedSandboxes.Sandbox> protectedNow) {
        if (rejoinedIn.isPresent()) {
            long failedEpoch = rejoinedIn.getAsLong() - 1;
            protectedNow.forEach(sb -> atRisk.put(sb.podUid(), Pod.of(sb)));
            atRisk.forEach((uid, pod) -> lost.put(uid, new Lost(pod, failedEpoch)));
            atRisk.clear();
            fencedAt = null;
            unresolved = OptionalLong.of(failedEpoch);
        } else if (fencedAt != null && sent.isAfter(fencedAt)) {
            atRisk.clear();
            fencedAt = null;
        }
    }

    /** The failure epoch whose restore decisions must still be checked with {@link #resolve}, if any. */
    public synchronized OptionalLong unresolvedEpoch() {
        return unresolved;
    }

    /**
     * Placement's restore decisions, read after the node learnt it had been declared failed in {@code epoch}: a lost
     * pod is released when none of its containers has a decision caused by that failure, nor an open one (pending, or
     * waiting for a compatible node) for another node, whatever failure caused it (a restore onto this node that was
     * still pending when it failed is decided again under the first failure's name); it was not restored anywhere.
     */
    public synchronized void resolve(long epoch, List<RestoreDecision> decisions) {
        lost.entrySet()
                .removeIf(e ->
                        e.getValue().epoch() == epoch && decisions.stream().noneMatch(d -> restores(d, e.getValue())));
        if (unresolved.isPresent() && unresolved.getAsLong() == epoch) {
            unresolved = OptionalLong.empty();
        }
    }

    private boolean restores(RestoreDecision d, Lost l) {
        boolean thisFailure = d.failedNode().equals(node) && d.failedEpoch() == l.epoch();
        boolean openElsewhere =
                d.status() != DecisionStatus.COMPLETED && !d.target().equals(node);
        if (!thisFailure && !openElsewhere) {
            return false;
        }
        try {
            ContainerKey key = ContainerKey.parse(d.containerId());
            return key.namespace().equals(l.pod().namespace())
                    && key.pod().equals(l.pod().name());
        } catch (IllegalArgumentException e) {
            return true;
        }
    }

    /** The pod with this UID is gone from the API: kubelet will not start it again, nothing to hold. */
    public synchronized void podGone(String podUid) {
        lost.remove(podUid);
    }

    /** Whether any hold is in force; when false no call needs looking at. */
    public synchronized boolean holding(boolean fencedNow) {
        return fencedNow || fencedAt != null || !lost.isEmpty();
    }

    /**
     * The rule: why creating or starting {@code container} of the protected pod {@code pod} must be refused now,
     * or empty when it may go ahead. Only protected containers are asked about.
     */
    public synchronized Optional<String> refusal(boolean fencedNow, Pod pod, String container) {
        String what = "protected container " + container + " of pod " + pod.namespace() + "/" + pod.name();
        if (fencedNow) {
            return Optional.of("cri-failover: node " + node + " is fenced (it lost the placement quorum), so " + what
                    + " is not started here: the cluster may be restoring it on another node");
        }
        if (fencedAt != null) {
            return Optional.of("cri-failover: " + awaiting + " and node " + node
                    + " has not yet heard from placement whether it was declared failed meanwhile, so " + what
                    + " is not started here");
        }
        Lost l = lost.get(pod.uid());
        if (l != null) {
            return Optional.of("cri-failover: node " + node + " was declared failed in epoch " + l.epoch() + ", so "
                    + what + " is restored elsewhere and only its cleanup runs here");
        }
        return Optional.empty();
    }
}
