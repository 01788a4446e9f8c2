package io.crifailover.shim.transport;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Refuses calls with PERMISSION_DENIED unless the connection's peer is allowed by the {@link PeerPolicy}. */
final class PeerCredentialInterceptor implements ServerInterceptor {

    private static final Logger LOG = LoggerFactory.getLogger(PeerCredentialInterceptor.class);

    private final PeerPolicy policy;

    PeerCredentialInterceptor(PeerPolicy policy) {
        this.policy = policy;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        PeerIdentity peer = call.getAttributes().get(PeerCredentialNegotiator.PEER);
        if (policy.allows(peer)) {
            return next.startCall(call, headers);
        }
        String who = peer == null
                ? "a peer with unknown credentials"
                : "uid " + peer.uid() + " gid " + peer.gid() + " (pid " + peer.pid() + ")";
        LOG.warn("refused {} from {}", call.getMethodDescriptor().getFullMethodName(), who);
        call.close(
                Status.PERMISSION_DENIED.withDescription(who + " may not use the cri-failover socket"), new Metadata());
        return new ServerCall.Listener<>() {};
    }
}
