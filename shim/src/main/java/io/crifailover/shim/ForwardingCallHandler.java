package io.crifailover.shim;

import io.crifailover.shim.intercept.CallInterception;
import io.crifailover.shim.intercept.InterceptorRegistry;
import io.crifailover.shim.metrics.CallMetrics;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Starts, for each call kubelet makes, the matching call to the runtime and relays between them:
 * plain calls as a {@link ForwardingCall} (deadline and cancellation follow through the gRPC
 * context), intercepted ones as an {@link InterceptedCall} with a deadline of its own.
 */
public final class ForwardingCallHandler implements ServerCallHandler<byte[], byte[]> {

    private final Channel runtime;
    private final InterceptorRegistry interceptors;
    private final CallMetrics metrics;
    private final Duration interceptDeadline;
    private final MemoryTrim trim;

    /**
     * @param interceptDeadline longest an intercepted call may take (kubelet's own deadline, if
     *     sooner, wins)
     */
    ForwardingCallHandler(
            Channel runtime,
            InterceptorRegistry interceptors,
            CallMetrics metrics,
            Duration interceptDeadline,
            MemoryTrim trim) {
        this.runtime = runtime;
        this.interceptors = interceptors;
        this.metrics = metrics;
        this.interceptDeadline = interceptDeadline;
        this.trim = trim;
    }

    @Override
    public ServerCall.Listener<byte[]> startCall(ServerCall<byte[], byte[]> serverCall, Metadata headers) {
        MethodDescriptor<byte[], byte[]> method = serverCall.getMethodDescriptor();
        CallMetrics.MethodMeters meters = metrics.callStarted(method.getFullMethodName());
        CallInterception interception = interceptors.open(method.getFullMethodName(), headers);
        if (interception != null) {
            Deadline own = Deadline.after(interceptDeadline.toNanos(), TimeUnit.NANOSECONDS);
            Deadline kubelets = Context.current().getDeadline();
            Deadline deadline = kubelets == null ? own : kubelets.minimum(own);
            return new InterceptedCall(serverCall, headers, runtime, interception, deadline, meters, metrics, trim)
                    .start();
        }
        ForwardingCall call =
                new ForwardingCall(serverCall, runtime.newCall(method, CallOptions.DEFAULT), meters, metrics, trim);
        return call.start(headers);
    }
}
