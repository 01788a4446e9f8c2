package io.crifailover.failover;

import io.crifailover.protos.cri.Container;
import io.crifailover.protos.cri.ContainerMetadata;
import io.crifailover.protos.cri.ContainerState;
import io.crifailover.protos.cri.ContainerStatus;
import io.crifailover.protos.cri.ContainerStatusRequest;
import io.crifailover.protos.cri.ContainerStatusResponse;
import io.crifailover.protos.cri.ImageServiceGrpc;
import io.crifailover.protos.cri.ListContainersRequest;
import io.crifailover.protos.cri.ListContainersResponse;
import io.crifailover.protos.cri.ListPodSandboxRequest;
import io.crifailover.protos.cri.ListPodSandboxResponse;
import io.crifailover.protos.cri.PodSandbox;
import io.crifailover.protos.cri.PodSandboxMetadata;
import io.crifailover.protos.cri.PodSandboxState;
import io.crifailover.protos.cri.PodSandboxStatus;
import io.crifailover.protos.cri.PodSandboxStatusRequest;
import io.crifailover.protos.cri.PodSandboxStatusResponse;
import io.crifailover.protos.cri.PullImageRequest;
import io.crifailover.protos.cri.PullImageResponse;
import io.crifailover.protos.cri.RuntimeServiceGrpc;
import io.crifailover.protos.cri.StopContainerRequest;
import io.crifailover.protos.cri.StopContainerResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A CRI runtime for unit tests, in process: the sandboxes and containers a test puts in, listed and
 * stopped as a runtime would. Integration tests use a real containerd instead.
 */
final class FakeRuntime implements AutoCloseable {
    private final Map<String, PodSandbox> sandboxes = new ConcurrentHashMap<>();
    private final Map<String, Container> containers = new ConcurrentHashMap<>();
    final List<String> stopped = new CopyOnWriteArrayList<>();
    final List<String> pulled = new CopyOnWriteArrayList<>();
    /** The credentials each successful PullImage carried, in order. */
    final List<io.crifailover.protos.cri.AuthConfig> pullAuth = new CopyOnWriteArrayList<>();
    /** While set, every PullImage fails with NOT_FOUND, as a registry without the image answers. */
    final java.util.concurrent.atomic.AtomicBoolean pullsFail = new java.util.concurrent.atomic.AtomicBoolean();

    private final String name = InProcessServerBuilder.generateName();
    private final Server server;
    private final ManagedChannel channel;

    FakeRuntime() throws IOException {
        server = InProcessServerBuilder.forName(name)
                .directExecutor()
                .addService(new Service())
                .addService(new Images())
                .build()
                .start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    /**
     * The runtime most tests use: pod shop/cart-0 protected every second (sandbox sb-1, container c-1 "app") and pod
     * shop/web-0 without protection (sb-2, c-2 "web"), both running.
     */
    static FakeRuntime withProtectedCartAndPlainWeb() throws IOException {
        FakeRuntime runtime = new FakeRuntime();
        runtime.sandbox("sb-1", "shop", "cart-0", Map.of(ProtectionSettings.INTERVAL, "1s"));
        runtime.running("c-1", "sb-1", "app");
        runtime.sandbox("sb-2", "shop", "web-0", Map.of());
        runtime.running("c-2", "sb-2", "web");
        return runtime;
    }

    RuntimeServiceGrpc.RuntimeServiceBlockingStub stub() {
        return RuntimeServiceGrpc.newBlockingStub(channel);
    }

    ImageServiceGrpc.ImageServiceBlockingStub images() {
        return ImageServiceGrpc.newBlockingStub(channel);
    }

    /** A ready sandbox of pod {@code namespace/pod} with these annotations. */
    void sandbox(String id, String namespace, String pod, Map<String, String> annotations) {
        sandboxes.put(
                id,
                PodSandbox.newBuilder()
                        .setId(id)
                        .setState(PodSandboxState.SANDBOX_READY)
                        .setMetadata(PodSandboxMetadata.newBuilder()
                                .setNamespace(namespace)
                                .setName(pod)
                                .setUid("uid-" + pod))
                        .putAllAnnotations(annotations)
                        .build());
    }

    /** A running container {@code name} in sandbox {@code sandboxId}. */
    void running(String id, String sandboxId, String name) {
        containers.put(
                id,
                Container.newBuilder()
                        .setId(id)
                        .setPodSandboxId(sandboxId)
                        .setState(ContainerState.CONTAINER_RUNNING)
                        .setMetadata(ContainerMetadata.newBuilder().setName(name))
                        .build());
    }

    /** The sandbox stopped (its containers with it, as far as a test needs). */
    void sandboxStopped(String id) {
        sandboxes.computeIfPresent(
                id,
                (k, sb) -> sb.toBuilder()
                        .setState(PodSandboxState.SANDBOX_NOTREADY)
                        .build());
    }

    void exited(String id) {
        containers.computeIfPresent(
                id,
                (k, c) ->
                        c.toBuilder().setState(ContainerState.CONTAINER_EXITED).build());
    }

    @Override
    public void close() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    private final class Images extends ImageServiceGrpc.ImageServiceImplBase {
        @Override
        public void pullImage(PullImageRequest request, StreamObserver<PullImageResponse> out) {
            String image = request.getImage().getImage();
            if (pullsFail.get()) {
                out.onError(Status.NOT_FOUND
                        .withDescription("failed to resolve reference " + image + ": not found")
                        .asRuntimeException());
                return;
            }
            pulled.add(image);
            pullAuth.add(request.getAuth());
            out.onNext(PullImageResponse.newBuilder().setImageRef(image).build());
            out.onCompleted();
        }
    }

    private final class Service extends RuntimeServiceGrpc.RuntimeServiceImplBase {
        @Override
        public void listPodSandbox(ListPodSandboxRequest request, StreamObserver<ListPodSandboxResponse> out) {
            out.onNext(ListPodSandboxResponse.newBuilder()
                    .addAllItems(sandboxes.values())
                    .build());
            out.onCompleted();
        }

        @Override
        public void listContainers(ListContainersRequest request, StreamObserver<ListContainersResponse> out) {
            var filter = request.getFilter();
            out.onNext(ListContainersResponse.newBuilder()
                    .addAllContainers(containers.values().stream()
                            .filter(c -> filter.getId().isEmpty() || c.getId().equals(filter.getId()))
                            .filter(c -> filter.getPodSandboxId().isEmpty()
                                    || c.getPodSandboxId().equals(filter.getPodSandboxId()))
                            .filter(c -> !filter.hasState()
                                    || c.getState() == filter.getState().getState())
                            .toList())
                    .build());
            out.onCompleted();
        }

        @Override
        public void podSandboxStatus(PodSandboxStatusRequest request, StreamObserver<PodSandboxStatusResponse> out) {
            PodSandbox sb = sandboxes.get(request.getPodSandboxId());
            if (sb == null) {
                out.onError(Status.NOT_FOUND
                        .withDescription(request.getPodSandboxId())
                        .asRuntimeException());
                return;
            }
            out.onNext(PodSandboxStatusResponse.newBuilder()
                    .setStatus(PodSandboxStatus.newBuilder()
                            .setId(sb.getId())
                            .setMetadata(sb.getMetadata())
                            .setState(sb.getState())
                            .putAllAnnotations(sb.getAnnotationsMap()))
                    .build());
            out.onCompleted();
        }

        @Override
        public void stopContainer(StopContainerRequest request, StreamObserver<StopContainerResponse> out) {
            stopped.add(request.getContainerId());
            exited(request.getContainerId());
            out.onNext(StopContainerResponse.getDefaultInstance());
            out.onCompleted();
        }

        @Override
        public void containerStatus(ContainerStatusRequest request, StreamObserver<ContainerStatusResponse> out) {
            Container c = containers.get(request.getContainerId());
            if (c == null) {
                out.onError(Status.NOT_FOUND
                        .withDescription(request.getContainerId())
                        .asRuntimeException());
                return;
            }
            out.onNext(ContainerStatusResponse.newBuilder()
                    .setStatus(ContainerStatus.newBuilder()
                            .setId(c.getId())
                            .setMetadata(c.getMetadata())
                            .setState(c.getState()))
                    .build());
            out.onCompleted();
        }
    }
}
