package io.crifailover.shim.transport;

import io.grpc.Attributes;
import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.PeerCredentials;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plaintext server negotiation that also reads the peer's credentials from the accepted unix
 * socket and stores them in the transport attributes under {@link #PEER}, where
 * {@link PeerCredentialInterceptor} finds them for every call.
 */
final class PeerCredentialNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {

    /** Transport attribute holding the {@link PeerIdentity} of the connection. */
    static final Attributes.Key<PeerIdentity> PEER = Attributes.Key.create("io.crifailover.shim.peer");

    private static final Logger LOG = LoggerFactory.getLogger(PeerCredentialNegotiator.class);

    private final InternalProtocolNegotiator.ProtocolNegotiator plaintext =
            InternalProtocolNegotiators.serverPlaintext();

    @Override
    public AsciiString scheme() {
        return plaintext.scheme();
    }

    @Override
    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
        return new CredentialHandler(plaintext.newHandler(grpcHandler));
    }

    @Override
    public void close() {
        plaintext.close();
    }

    /** Adds the peer identity to the negotiation event, then leaves the pipeline. */
    private static final class CredentialHandler extends ChannelInboundHandlerAdapter {
        private final ChannelHandler next;

        CredentialHandler(ChannelHandler next) {
            this.next = next;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ctx.pipeline().addAfter(ctx.name(), null, next);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (!(event instanceof ProtocolNegotiationEvent negotiation)) {
                super.userEventTriggered(ctx, event);
                return;
            }
            Attributes attributes = InternalProtocolNegotiationEvent.getAttributes(negotiation);
            PeerIdentity peer = readPeer(ctx);
            if (peer != null) {
                attributes = attributes.toBuilder().set(PEER, peer).build();
            }
            ctx.pipeline().remove(this);
            ctx.fireUserEventTriggered(InternalProtocolNegotiationEvent.withAttributes(negotiation, attributes));
        }

        private static PeerIdentity readPeer(ChannelHandlerContext ctx) {
            if (!(ctx.channel() instanceof EpollDomainSocketChannel channel)) {
                return null;
            }
            try {
                PeerCredentials credentials = channel.peerCredentials();
                int[] gids = credentials.gids();
                return new PeerIdentity(credentials.pid(), credentials.uid(), gids.length > 0 ? gids[0] : -1);
            } catch (IOException e) {
                LOG.warn("could not read peer credentials of a connection; its calls will be refused", e);
                return null;
            }
        }
    }
}
