package io.crifailover.placement;

import bftsmart.statemanagement.SMMessage;
import bftsmart.statemanagement.strategy.StandardStateManager;
import bftsmart.tom.core.DeliveryThread;
import bftsmart.tom.core.TOMLayer;

/**
 * BFT-SMaRt's standard state transfer, plus a handle on the replica's protocol layer: {@link
 * PlacementReplicaServer#status()} reports regency and leader from it, and {@link #dropStaleLeaderChange} gets a
 * replica out of a leader change that the rest of the cluster never joined (see the README, "Stuck out of step").
 */
class PlacementStateManager extends StandardStateManager {
    private volatile TOMLayer layer;

    @Override
    public void init(TOMLayer tomLayer, DeliveryThread deliveryThread) {
        super.init(tomLayer, deliveryThread);
        this.layer = tomLayer;
    }

    @Override
    public void SMReplyDeliver(SMMessage msg, boolean isBFT) {
        boolean wasRetrieving = isRetrievingState();
        super.SMReplyDeliver(msg, isBFT);
        TOMLayer t = layer;
        if (wasRetrievingState(wasRetrieving) && t != null) {
            // The library adopted the quorum's regency (last = next) but cancelled only the STOP retransmissions of
            // older regencies; a STOP this replica sent for a later regency would be re-sent every timeout forever.
            t.getSynchronizer().removeSTOPretransmissions(Integer.MAX_VALUE);
        }
    }

    private boolean wasRetrievingState(boolean before) {
        return before && !isRetrievingState();
    }

    /**
     * Called by the watchdog when this replica has been asking for regency {@code status.nextRegency()} for a long
     * time while it kept executing decisions of regency {@code status.regency()} (so the leader it wanted to
     * replace works and nobody else wants a change). Withdraws that request the way a state transfer does: next =
     * last regency, STOP retransmissions cancelled, the request timer re-armed with a clean slate (requests it still
     * watches are also held by the other replicas, whose timers keep watching them). The STOP already sent remains
     * a valid vote; if f+1 others ask for the same regency, this replica joins as usual.
     *
     * @return true when it withdrew the leader change
     */
    boolean dropStaleLeaderChange(ReplicaStatus seen) {
        TOMLayer t = layer;
        if (t == null) {
            return false;
        }
        var lc = t.getSynchronizer().getLCManager();
        if (lc.getLastReg() != seen.regency() || lc.getNextReg() != seen.nextRegency() || isRetrievingState()) {
            return false;
        }
        lc.setNextReg(lc.getLastReg());
        t.getSynchronizer().removeSTOPretransmissions(Integer.MAX_VALUE);
        t.requestsTimer.clearAll();
        t.requestsTimer.Enabled(true);
        t.requestsTimer.startTimer();
        return true;
    }

    /** Cancels STOP retransmissions while this replica is not changing leader; true if there were any. */
    boolean dropOrphanStopRetransmissions(ReplicaStatus seen) {
        TOMLayer t = layer;
        if (t == null || t.requestsTimer.getTimers().isEmpty()) {
            return false;
        }
        var lc = t.getSynchronizer().getLCManager();
        if (lc.getLastReg() != seen.regency() || lc.getNextReg() != seen.regency()) {
            return false;
        }
        t.getSynchronizer().removeSTOPretransmissions(Integer.MAX_VALUE);
        return true;
    }

    /** The replica's status, or null before the replica started. */
    ReplicaStatus status() {
        TOMLayer t = layer;
        if (t == null) {
            return null;
        }
        var lc = t.getSynchronizer().getLCManager();
        // havePendingRequests only reads; getPendingRequests would mark requests as proposed (the leader would then
        // never propose them)
        boolean unproposed = t.clientsManager.havePendingRequests();
        return new ReplicaStatus(lc.getLastReg(), lc.getNextReg(), t.execManager.getCurrentLeader(),
                t.getLastExec(), t.isRetrievingState(), unproposed);
    }
}
