package io.crifailover.shim;

import com.google.protobuf.Any;
import com.google.protobuf.StringValue;
import io.crifailover.protos.cri.Container;
import io.crifailover.protos.cri.ContainerEventResponse;
import io.crifailover.protos.cri.ContainerEventType;
import io.crifailover.protos.cri.GetEventsRequest;
import io.crifailover.protos.cri.ListContainersRequest;
import io.crifailover.protos.cri.ListContainersResponse;
import io.crifailover.protos.cri.RemoveContainerRequest;
import io.crifailover.protos.cri.RemoveContainerResponse;
import io.crifailover.protos.cri.RunPodSandboxRequest;
import io.crifailover.protos.cri.RunPodSandboxResponse;
import io.crifailover.protos.cri.RuntimeServiceGrpc;
import io.crifailover.protos.cri.StopContainerRequest;
import io.crifailover.protos.cri.StopContainerResponse;
import io.crifailover.protos.cri.VersionRequest;
import io.crifailover.protos.cri.VersionResponse;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real gRPC server on a unix socket that plays the container runtime for unit tests: a few
 * RuntimeService methods with known answers, headers, trailers, error details, slow calls and a
 * flow-controlled event stream, and a record of what it received.
 */
final class FakeRuntime implements AutoCloseable {

    static final Metadata.Key<String> ECHO = Metadata.Key.of("x-echo", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> HEADER = Metadata.Key.of("x-runtime-header", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> TRAILER = Metadata.Key.of("x-runtime-trailer", Metadata.ASCII_STRING_MARSHALLER);

    final Path socket;
    final AtomicReference<Metadata> lastHeaders = new AtomicReference<>();
    final AtomicReference<Deadline> lastDeadline = new AtomicReference<>();
    final AtomicReference<RunPodSandboxRequest> lastRunPodSandbox = new AtomicReference<>();
    final AtomicBoolean hangCancelled = new AtomicBoolean();
    final AtomicBoolean eventsCancelled = new AtomicBoolean();
    final AtomicInteger eventsSent = new AtomicInteger();
    final AtomicBoolean eventsStalled = new AtomicBoolean();
    volatile int eventLimit = 100;
    volatile int eventPayloadBytes = 16;

    private final EventLoopGroup group = new EpollEventLoopGroup(1, new DefaultThreadFactory("fake-runtime", true));
    private Server server;

    FakeRuntime(Path socket) {
        this.socket = socket;
    }

    FakeRuntime start() throws IOException {
        Files.deleteIfExists(socket);
        server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(group)
                .workerEventLoopGroup(group)
                .addService(ServerInterceptors.intercept(new Service(), new Recorder()))
                .build()
                .start();
        return this;
    }

    /** Stops serving at once, like a killed runtime, leaving the socket file behind. */
    void kill() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        if (server != null) {
            kill();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        Files.deleteIfExists(socket);
    }

    /** Records request headers and deadlines; adds a header and a trailer to every answer. */
    private final class Recorder implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            lastHeaders.set(headers);
            lastDeadline.set(Context.current().getDeadline());
            String echo = headers.get(ECHO);
            return next.startCall(
                    new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                        @Override
                        public void sendHeaders(Metadata responseHeaders) {
                            responseHeaders.put(HEADER, echo == null ? "none" : echo);
                            super.sendHeaders(responseHeaders);
                        }

                        @Override
                        public void close(Status status, Metadata trailers) {
                            trailers.put(TRAILER, "done");
                            super.close(status, trailers);
                        }
                    },
                    headers);
        }
    }

    private final class Service extends RuntimeServiceGrpc.RuntimeServiceImplBase {

        @Override
        public void version(VersionRequest request, StreamObserver<VersionResponse> response) {
            response.onNext(VersionResponse.newBuilder()
                    .setVersion(request.getVersion())
                    .setRuntimeName("fake")
                    .setRuntimeVersion("1.0")
                    .setRuntimeApiVersion("v1")
                    .build());
            response.onCompleted();
        }

        @Override
        public void listContainers(ListContainersRequest request, StreamObserver<ListContainersResponse> response) {
            ListContainersResponse.Builder answer = ListContainersResponse.newBuilder();
            for (int i = 0; i < 3; i++) {
                answer.addContainers(Container.newBuilder()
                        .setId("c" + i)
                        .setPodSandboxId("p")
                        .putLabels("n", "" + i));
            }
            response.onNext(answer.build());
            response.onCompleted();
        }

        @Override
        public void runPodSandbox(RunPodSandboxRequest request, StreamObserver<RunPodSandboxResponse> response) {
            lastRunPodSandbox.set(request);
            response.onNext(RunPodSandboxResponse.newBuilder()
                    .setPodSandboxId("pod-" + request.getConfig().getMetadata().getName())
                    .build());
            response.onCompleted();
        }

        @Override
        public void stopContainer(StopContainerRequest request, StreamObserver<StopContainerResponse> response) {
            com.google.rpc.Status details = com.google.rpc.Status.newBuilder()
                    .setCode(Status.Code.NOT_FOUND.value())
                    .setMessage("container \"" + request.getContainerId() + "\" not found")
                    .addDetails(Any.pack(StringValue.of("detail for " + request.getContainerId())))
                    .build();
            response.onError(StatusProto.toStatusRuntimeException(details));
        }

        @Override
        public void removeContainer(RemoveContainerRequest request, StreamObserver<RemoveContainerResponse> response) {
            String id = request.getContainerId();
            if (id.startsWith("hang")) {
                Context.current().addListener(context -> hangCancelled.set(true), Runnable::run);
                return;
            }
            if (id.startsWith("slow-")) {
                long millis = Long.parseLong(id.substring("slow-".length()));
                group.schedule(
                        () -> {
                            response.onNext(RemoveContainerResponse.getDefaultInstance());
                            response.onCompleted();
                        },
                        millis,
                        TimeUnit.MILLISECONDS);
                return;
            }
            response.onNext(RemoveContainerResponse.getDefaultInstance());
            response.onCompleted();
        }

        @Override
        public void getContainerEvents(GetEventsRequest request, StreamObserver<ContainerEventResponse> response) {
            ServerCallStreamObserver<ContainerEventResponse> stream =
                    (ServerCallStreamObserver<ContainerEventResponse>) response;
            String payload = "x".repeat(eventPayloadBytes);
            stream.setOnCancelHandler(() -> eventsCancelled.set(true));
            stream.setOnReadyHandler(new Runnable() {
                private boolean done;

                @Override
                public void run() {
                    eventsStalled.set(false);
                    while (!done && stream.isReady() && !stream.isCancelled()) {
                        int n = eventsSent.get();
                        if (n >= eventLimit) {
                            done = true;
                            stream.onCompleted();
                            return;
                        }
                        stream.onNext(ContainerEventResponse.newBuilder()
                                .setContainerId(payload + n)
                                .setContainerEventType(ContainerEventType.CONTAINER_STARTED_EVENT)
                                .setCreatedAt(n)
                                .build());
                        eventsSent.incrementAndGet();
                    }
                    if (!done) {
                        eventsStalled.set(true);
                    }
                }
            });
        }
    }
}
