package io.crifailover.shim.failover;

import io.crifailover.failover.FailoverNode;
import io.crifailover.failover.PodReplacer;
import io.crifailover.failover.RestoreUnavailableException;
import io.crifailover.protos.cri.CreateContainerRequest;
import io.crifailover.protos.cri.CreateContainerResponse;
import io.crifailover.protos.cri.RemoveContainerRequest;
import io.crifailover.protos.cri.RemoveContainerResponse;
import io.crifailover.protos.cri.RemovePodSandboxRequest;
import io.crifailover.protos.cri.RemovePodSandboxResponse;
import io.crifailover.protos.cri.RunPodSandboxRequest;
import io.crifailover.protos.cri.RunPodSandboxResponse;
import io.crifailover.protos.cri.RuntimeServiceGrpc;
import io.crifailover.protos.cri.StartContainerRequest;
import io.crifailover.protos.cri.StartContainerResponse;
import io.crifailover.protos.cri.StopContainerRequest;
import io.crifailover.protos.cri.StopContainerResponse;
import io.crifailover.protos.cri.StopPodSandboxRequest;
import io.crifailover.protos.cri.StopPodSandboxResponse;
import io.crifailover.shim.intercept.CallRefusal;
import io.crifailover.shim.intercept.CriInterceptor;
import io.crifailover.shim.intercept.InterceptorRegistry;
import io.grpc.Metadata;

/**
 * Plugs a {@link FailoverNode} into the shim: it learns protection settings from RunPodSandbox,
 * swaps the image of a container being restored in CreateContainer, acknowledges restores and
 * starts protection on StartContainer, and forgets containers and sandboxes that go away. Before
 * the call run only the CreateContainer rewrite and the fence hold, which refuses CreateContainer
 * and StartContainer of protected containers while the node is fenced or lost them to a failure
 * verdict; everything else observes answers kubelet already has.
 */
public final class FailoverInterceptors {
    private FailoverInterceptors() {}

    /**
     * The fence holds: a protected container of a pod this node must not run now is refused on purpose
     * (FAILED_PRECONDITION, saying why), the one exception to failing open besides an unavailable restore.
     */
    private static void refuseIfHeld(java.util.Optional<String> why) {
        if (why.isPresent()) {
            throw CallRefusal.failedPrecondition(why.get());
        }
    }

    public static void register(InterceptorRegistry registry, FailoverNode node) {
        registry.register(
                RuntimeServiceGrpc.getRunPodSandboxMethod(),
                new CriInterceptor<RunPodSandboxRequest, RunPodSandboxResponse>() {
                    @Override
                    public void onResponse(RunPodSandboxRequest request, RunPodSandboxResponse response) {
                        node.onRunPodSandbox(request, response);
                    }
                });
        registry.register(
                RuntimeServiceGrpc.getCreateContainerMethod(),
                new CriInterceptor<CreateContainerRequest, CreateContainerResponse>() {
                    @Override
                    public CreateContainerRequest onRequest(CreateContainerRequest request, Metadata headers) {
                        refuseIfHeld(node.createRefusal(request));
                        try {
                            return node.rewriteCreateContainer(request);
                        } catch (RestoreUnavailableException e) {
                            // deliberate: a cold start here would silently lose the checkpointed state
                            throw CallRefusal.unavailable(e.getMessage());
                        }
                    }

                    /** A restore replacement waits for the fence and its checkpoint image: its own lane. */
                    @Override
                    public boolean mayWait(CreateContainerRequest request, Metadata headers) {
                        return request.getSandboxConfig().getAnnotationsMap().containsKey(PodReplacer.RESTORE_FROM);
                    }

                    @Override
                    public void onResponse(CreateContainerRequest request, CreateContainerResponse response) {
                        node.onCreateContainer(request, response);
                    }
                });
        registry.register(
                RuntimeServiceGrpc.getStartContainerMethod(),
                new CriInterceptor<StartContainerRequest, StartContainerResponse>() {
                    @Override
                    public StartContainerRequest onRequest(StartContainerRequest request, Metadata headers) {
                        refuseIfHeld(node.startRefusal(request.getContainerId()));
                        return request;
                    }

                    @Override
                    public void onResponse(StartContainerRequest request, StartContainerResponse response) {
                        node.onStartContainer(request.getContainerId());
                    }
                });
        registry.register(
                RuntimeServiceGrpc.getStopContainerMethod(),
                new CriInterceptor<StopContainerRequest, StopContainerResponse>() {
                    @Override
                    public void onResponse(StopContainerRequest request, StopContainerResponse response) {
                        node.onContainerGone(request.getContainerId());
                    }
                });
        registry.register(
                RuntimeServiceGrpc.getRemoveContainerMethod(),
                new CriInterceptor<RemoveContainerRequest, RemoveContainerResponse>() {
                    @Override
                    public void onResponse(RemoveContainerRequest request, RemoveContainerResponse response) {
                        node.onContainerGone(request.getContainerId());
                    }
                });
        registry.register(
                RuntimeServiceGrpc.getStopPodSandboxMethod(),
                new CriInterceptor<StopPodSandboxRequest, StopPodSandboxResponse>() {
                    @Override
                    public void onResponse(StopPodSandboxRequest request, StopPodSandboxResponse response) {
                        node.onPodSandboxGone(request.getPodSandboxId());
                    }
                });
        registry.register(
                RuntimeServiceGrpc.getRemovePodSandboxMethod(),
                new CriInterceptor<RemovePodSandboxRequest, RemovePodSandboxResponse>() {
                    @Override
                    public void onResponse(RemovePodSandboxRequest request, RemovePodSandboxResponse response) {
                        node.onPodSandboxGone(request.getPodSandboxId());
                    }
                });
    }
}
