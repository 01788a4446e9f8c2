package io.crifailover.placement;

import bftsmart.reconfiguration.util.TOMConfiguration;
import bftsmart.reconfiguration.views.MemoryBasedViewStorage;
import bftsmart.tom.ServiceProxy;
import bftsmart.tom.core.messages.TOMMessageType;

/**
 * A {@link ServiceProxy} that addresses a request only to replicas not known to be down. The library's proxy
 * multicasts to the whole view and then waits up to 1 s for the write to every channel, including the channel of
 * a dead replica; with one replica down every request would take about a second. Leaving out replicas the
 * {@link ReplicaLivenessProbe} knows to be down removes that wait, while n-f live replicas still give the reply
 * quorum.
 */
final class LiveTargetServiceProxy extends ServiceProxy {
    private volatile ReplicaLivenessProbe probe;

    LiveTargetServiceProxy(TOMConfiguration configuration) {
        super(configuration, new MemoryBasedViewStorage(), null, null);
    }

    void useProbe(ReplicaLivenessProbe livenessProbe) {
        this.probe = livenessProbe;
    }

    @Override
    public void TOMulticast(byte[] payload, int requestId, int operationId, TOMMessageType type) {
        ReplicaLivenessProbe current = probe;
        if (current == null) {
            super.TOMulticast(payload, requestId, operationId, type);
            return;
        }
        int[] view = getViewManager().getCurrentViewProcesses();
        int quorum = getViewManager().getCurrentViewN() - getViewManager().getCurrentViewF();
        sendMessageToTargets(payload, requestId, operationId, current.reachable(view, quorum), type);
    }
}
