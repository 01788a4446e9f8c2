package io.crifailover.shim.intercept;

import io.crifailover.protos.cri.RuntimeServiceGrpc;
import io.grpc.MethodDescriptor;
import java.util.List;

/** The CRI lifecycle methods the shim acts on, and so the ones interceptors are meant for. */
public final class LifecycleMethods {

    /** RunPodSandbox, CreateContainer, StartContainer, StopContainer, RemoveContainer, StopPodSandbox, RemovePodSandbox. */
    public static final List<MethodDescriptor<?, ?>> ALL = List.of(
            RuntimeServiceGrpc.getRunPodSandboxMethod(),
            RuntimeServiceGrpc.getCreateContainerMethod(),
            RuntimeServiceGrpc.getStartContainerMethod(),
            RuntimeServiceGrpc.getStopContainerMethod(),
            RuntimeServiceGrpc.getRemoveContainerMethod(),
            RuntimeServiceGrpc.getStopPodSandboxMethod(),
            RuntimeServiceGrpc.getRemovePodSandboxMethod());

    private LifecycleMethods() {}

    /** Whether {@code fullMethodName} is one of {@link #ALL}. */
    public static boolean contains(String fullMethodName) {
        for (MethodDescriptor<?, ?> method : ALL) {
            if (method.getFullMethodName().equals(fullMethodName)) {
                return true;
            }
        }
        return false;
    }
}
