package io.crifailover.shim;

import io.crifailover.shim.intercept.CallInterception;
import io.crifailover.shim.intercept.InterceptorRegistry;
import io.crifailover.shim.metrics.CallMetrics;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;

/**
 * Starts, for each call kubelet makes, the matching call to the runtime and relays between them.
 * The deadline and cancellation of kubelet's call reach the runtime call through the gRPC context.
 */
public final class ForwardingCallHandler implements ServerCallHandler<byte[], byte[]> {

    private final Channel runtime;
    private final InterceptorRegistry interceptors;
    private final CallMetrics metrics;

    public ForwardingCallHandler(Channel runtime, InterceptorRegistry interceptors, CallMetrics metrics) {
        this.runtime = runtime;
        this.interceptors = interceptors;
        this.metrics = metrics;
    }

    @Override
    public ServerCall.Listener<byte[]> startCall(ServerCall<byte[], byte[]> serverCall, Metadata headers) {
        MethodDescriptor<byte[], byte[]> method = serverCall.getMethodDescriptor();
        CallInterception interception = interceptors.open(method.getFullMethodName(), headers);
        ClientCall<byte[], byte[]> clientCall = runtime.newCall(method, CallOptions.DEFAULT);
        ForwardingCall call = new ForwardingCall(
                serverCall, clientCall, interception, metrics.callStarted(method.getFullMethodName()), metrics);
        return call.start(headers);
    }
}
