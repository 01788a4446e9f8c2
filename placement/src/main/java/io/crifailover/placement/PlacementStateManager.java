package io.crifailover.placement;

import bftsmart.clientsmanagement.ClientData;
import bftsmart.statemanagement.SMMessage;
import bftsmart.statemanagement.strategy.StandardStateManager;
import bftsmart.tom.core.DeliveryThread;
import bftsmart.tom.core.TOMLayer;
import bftsmart.tom.core.messages.TOMMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * BFT-SMaRt's standard state transfer, plus a handle on the replica's protocol layer: {@link
 * PlacementReplicaServer#status()} reports regency and leader from it, and {@link #dropStaleLeaderChange} gets a
 * replica out of a leader change that the rest of the cluster never joined (see the README, "Stuck out of step").
 */
class PlacementStateManager extends StandardStateManager {
    /**
     * The longest state timer kept (see {@link #requestState}): how long an unanswered state request waits before
     * it is sent again. BFT-SMaRt starts at 40 s and doubles it on every request.
     */
    static final long MAX_STATE_TIMER_MS = 4_000;

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PlacementStateManager.class);
    private static final java.lang.reflect.Field STATE_TIMER = stateTimerField();
    private static final java.lang.reflect.Field CLIENTS_DATA =
            field(bftsmart.clientsmanagement.ClientsManager.class, "clientsData");
    private static final java.lang.reflect.Field CLIENT_LOCK =
            field(bftsmart.clientsmanagement.ClientData.class, "clientLock");

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

    /**
     * BFT-SMaRt 0.0.8 asks for the state again on every protocol message that arrives while a transfer is under way,
     * and doubles its (private) state timer on every request: after some forty requests in a burst (a few ms apart
     * after a reconnect) the delay overflows, {@code Timer.schedule} throws "Negative delay" on the message-handling
     * thread and the replica is deaf for good. Before each request the timer is brought back to at most
     * {@value #MAX_STATE_TIMER_MS} ms (a lost request is also retried sooner than after 40 s); requests go out as the
     * library intends. If the field is not there (another library version) nothing is changed.
     */
    @Override
    protected void requestState() {
        if (STATE_TIMER != null) {
            try {
                long timer = STATE_TIMER.getLong(this);
                if (timer <= 0 || timer > MAX_STATE_TIMER_MS) {
                    STATE_TIMER.setLong(this, MAX_STATE_TIMER_MS);
                }
            } catch (IllegalAccessException e) {
                LOG.warn("cannot bound BFT-SMaRt's state timer: {}", e.toString());
            }
        }
        super.requestState();
    }

    private static java.lang.reflect.Field stateTimerField() {
        try {
            java.lang.reflect.Field f = StandardStateManager.class.getDeclaredField("timeout");
            f.setAccessible(true);
            return f.getType() == long.class ? f : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("BFT-SMaRt's state timer field not found; its overflow is not prevented: {}", e.toString());
            return null;
        }
    }

    private static java.lang.reflect.Field field(Class<?> owner, String name) {
        try {
            java.lang.reflect.Field f = owner.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("BFT-SMaRt field {}.{} not found: {}", owner.getSimpleName(), name, e.toString());
            return null;
        }
    }

    /**
     * Forgets client requests this replica still waits to see ordered although their client has moved on: those
     * pending for longer than {@code abandonedAfterNanos} (longer than any client waits for its reply). BFT-SMaRt removes a request from a replica's pending list only
     * when it delivers it in a decision; a request executed while this replica was cut off or restarting reaches it
     * through state transfer instead, and one whose client died may never be ordered. Its timer then expires every
     * request timeout, this replica asks for a leader change each time, and together with one other such replica it
     * forces a new leader every half second (seen: 180 changes a minute, each a chance of the decided-before-PROPOSE
     * wedge). Only this replica's own pending list and timer change; what is ordered is never touched.
     *
     * @return how many requests were forgotten
     */
    @SuppressWarnings("unchecked")
    int dropAbandonedRequests(long nowNanos, long abandonedAfterNanos) {
        TOMLayer t = layer;
        if (t == null || CLIENTS_DATA == null || CLIENT_LOCK == null || isRetrievingState()) {
            return 0;
        }
        List<TOMMessage> dropped = new ArrayList<>();
        java.util.concurrent.locks.ReentrantLock clients = t.clientsManager.getClientsLock();
        clients.lock();
        try {
            Map<Integer, ClientData> all = (Map<Integer, ClientData>) CLIENTS_DATA.get(t.clientsManager);
            for (ClientData client : all.values()) {
                java.util.concurrent.locks.ReentrantLock lock =
                        (java.util.concurrent.locks.ReentrantLock) CLIENT_LOCK.get(client);
                lock.lock();
                try {
                    for (java.util.Iterator<TOMMessage> it =
                                    client.getPendingRequests().iterator();
                            it.hasNext(); ) {
                        TOMMessage m = it.next();
                        // the library stamps receptionTime with System.nanoTime(). A sequence number below the
                        // client's last executed one is no sign: forgetting those dropped a fresh request every
                        // second in a chaos run (a client's sequence numbers evidently go back, perhaps with a new
                        // session)
                        if (nowNanos - m.receptionTime > abandonedAfterNanos) {
                            it.remove();
                            dropped.add(m);
                        }
                    }
                } finally {
                    lock.unlock();
                }
            }
        } catch (IllegalAccessException | ClassCastException e) {
            LOG.warn("cannot read BFT-SMaRt's pending requests: {}", e.toString());
        } finally {
            clients.unlock();
        }
        dropped.forEach(t.requestsTimer::unwatch);
        return dropped.size();
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

    /** Cancels re-sending of STOPs for regencies above the installed one while this replica is not changing leader; true if there were any. */
    boolean dropOrphanStopRetransmissions(ReplicaStatus seen) {
        TOMLayer t = layer;
        if (t == null || t.requestsTimer.getTimers().isEmpty()) {
            return false;
        }
        var lc = t.getSynchronizer().getLCManager();
        int last = lc.getLastReg();
        if (last != seen.regency() || lc.getNextReg() != seen.regency()) {
            return false;
        }
        // Only STOPs for regencies this replica neither installed nor still asks for. The STOP for the installed
        // regency keeps being re-sent until that leader change is finalised (SYNC from its new leader): a replica
        // that missed it needs it, and while the new leader is dead it is what the others install from.
        boolean any = false;
        for (int regency : t.requestsTimer.getTimers()) {
            if (regency > last) {
                t.requestsTimer.stopSTOP(regency);
                any = true;
            }
        }
        return any;
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
        return new ReplicaStatus(
                lc.getLastReg(),
                lc.getNextReg(),
                t.execManager.getCurrentLeader(),
                t.getLastExec(),
                t.isRetrievingState(),
                unproposed);
    }
}
