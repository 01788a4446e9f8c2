package io.crifailover.shim;

import io.crifailover.shim.metrics.CallMetrics;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;

/**
 * One relayed call that no interceptor looks at: kubelet's server call paired with the runtime's
 * client call, any kind of method (unary or streaming).
 *
 * <p>Flow control: a message is only requested from one side when the other side can take it
 * ({@code isReady}); otherwise the request is postponed until that side's {@code onReady}. So at
 * most one message per direction sits in the shim, whatever the speed of kubelet or the runtime,
 * and HTTP/2 flow control pushes back on the sender.
 */
final class ForwardingCall {

    private final ServerCall<byte[], byte[]> serverCall;
    private final ClientCall<byte[], byte[]> clientCall;
    private final CallMetrics.MethodMeters meters;
    private final CallMetrics metrics;
    private final MemoryTrim trim;
    private final long startNanos = System.nanoTime();

    private final Object flowLock = new Object();
    /** A response is owed to be requested from the runtime once kubelet is ready. */
    private boolean responseRequestPending;
    /** A request is owed to be requested from kubelet once the runtime is ready. */
    private boolean requestRequestPending;

    ForwardingCall(
            ServerCall<byte[], byte[]> serverCall,
            ClientCall<byte[], byte[]> clientCall,
            CallMetrics.MethodMeters meters,
            CallMetrics metrics,
            MemoryTrim trim) {
        this.serverCall = serverCall;
        this.clientCall = clientCall;
        this.meters = meters;
        this.metrics = metrics;
        this.trim = trim;
    }

    ServerCall.Listener<byte[]> start(Metadata headers) {
        clientCall.start(new RuntimeListener(), headers);
        clientCall.request(1);
        serverCall.request(1);
        return new KubeletListener();
    }

    /** Events of kubelet's side of the call. */
    private final class KubeletListener extends ServerCall.Listener<byte[]> {

        @Override
        public void onMessage(byte[] message) {
            trim.sawMessage(message.length);
            clientCall.sendMessage(message);
            synchronized (flowLock) {
                if (clientCall.isReady()) {
                    serverCall.request(1);
                } else {
                    requestRequestPending = true;
                }
            }
        }

        @Override
        public void onHalfClose() {
            clientCall.halfClose();
        }

        @Override
        public void onCancel() {
            clientCall.cancel("the client cancelled the call", null);
        }

        @Override
        public void onReady() {
            synchronized (flowLock) {
                if (responseRequestPending) {
                    responseRequestPending = false;
                    clientCall.request(1);
                }
            }
        }
    }

    /** Events of the runtime's side of the call. */
    private final class RuntimeListener extends ClientCall.Listener<byte[]> {

        @Override
        public void onHeaders(Metadata headers) {
            serverCall.sendHeaders(headers);
        }

        @Override
        public void onMessage(byte[] message) {
            trim.sawMessage(message.length);
            serverCall.sendMessage(message);
            synchronized (flowLock) {
                if (serverCall.isReady()) {
                    clientCall.request(1);
                } else {
                    responseRequestPending = true;
                }
            }
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            metrics.callEnded(meters, status.getCode(), startNanos);
            if (!serverCall.isCancelled()) {
                serverCall.close(status, trailers);
            }
        }

        @Override
        public void onReady() {
            synchronized (flowLock) {
                if (requestRequestPending) {
                    requestRequestPending = false;
                    serverCall.request(1);
                }
            }
        }
    }
}
