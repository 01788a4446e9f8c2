package io.crifailover.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.StringValue;
import io.crifailover.protos.cri.ContainerEventResponse;
import io.crifailover.protos.cri.GetEventsRequest;
import io.crifailover.protos.cri.ListContainersRequest;
import io.crifailover.protos.cri.PodSandboxConfig;
import io.crifailover.protos.cri.PodSandboxMetadata;
import io.crifailover.protos.cri.RemoveContainerRequest;
import io.crifailover.protos.cri.RemoveContainerResponse;
import io.crifailover.protos.cri.RunPodSandboxRequest;
import io.crifailover.protos.cri.RunPodSandboxResponse;
import io.crifailover.protos.cri.RuntimeServiceGrpc;
import io.crifailover.protos.cri.StopContainerRequest;
import io.crifailover.protos.cri.VersionRequest;
import io.crifailover.protos.cri.VersionResponse;
import io.crifailover.shim.intercept.CriInterceptor;
import io.crifailover.shim.metrics.MetricsToken;
import io.crifailover.shim.transport.UnixEndpoint;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The proxy against a real gRPC server playing the runtime, both on unix sockets. */
class ShimProxyTest {

    @TempDir
    Path dir;

    private FakeRuntime runtime;
    private ShimDaemon shim;
    private ManagedChannel direct;
    private ManagedChannel viaShim;

    @BeforeEach
    void start() throws Exception {
        runtime = new FakeRuntime(dir.resolve("runtime.sock")).start();
        shim = ShimDaemon.start(
                ShimConfig.of(new UnixEndpoint(dir.resolve("run/shim.sock")), new UnixEndpoint(runtime.socket))
                        .withMetricsAddress(new InetSocketAddress("127.0.0.1", 0))
                        .withDrainTimeout(Duration.ofSeconds(2)));
        direct = UnixChannels.open(runtime.socket);
        viaShim = UnixChannels.open(shim.socket());
    }

    @AfterEach
    void stop() throws Exception {
        UnixChannels.close(viaShim);
        UnixChannels.close(direct);
        shim.close();
        runtime.close();
    }

    private static RuntimeServiceGrpc.RuntimeServiceBlockingStub blocking(ManagedChannel channel) {
        return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    @Test
    void unaryAnswersAreIdenticalAndHeadersTrailersPassBothWays() {
        Metadata request = new Metadata();
        request.put(FakeRuntime.ECHO, "hello");
        AtomicReference<Metadata> headers = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        VersionResponse viaProxy = blocking(viaShim)
                .withInterceptors(
                        MetadataUtils.newAttachHeadersInterceptor(request),
                        MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
                .version(VersionRequest.newBuilder().setVersion("v1").build());
        assertThat(runtime.lastHeaders.get().get(FakeRuntime.ECHO)).isEqualTo("hello");
        VersionResponse straight = blocking(direct)
                .version(VersionRequest.newBuilder().setVersion("v1").build());

        assertThat(viaProxy).isEqualTo(straight);
        assertThat(headers.get().get(FakeRuntime.HEADER)).isEqualTo("hello");
        assertThat(trailers.get().get(FakeRuntime.TRAILER)).isEqualTo("done");
        assertThat(blocking(viaShim).listContainers(ListContainersRequest.getDefaultInstance()))
                .isEqualTo(blocking(direct).listContainers(ListContainersRequest.getDefaultInstance()));
    }

    @Test
    void errorsKeepCodeMessageAndDetails() {
        StopContainerRequest request =
                StopContainerRequest.newBuilder().setContainerId("gone").build();
        StatusRuntimeException viaProxy = catchStatus(() -> blocking(viaShim).stopContainer(request));
        StatusRuntimeException straight = catchStatus(() -> blocking(direct).stopContainer(request));

        assertThat(viaProxy.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(viaProxy.getStatus().getCode())
                .isEqualTo(straight.getStatus().getCode());
        assertThat(viaProxy.getStatus().getDescription())
                .isEqualTo(straight.getStatus().getDescription())
                .isEqualTo("container \"gone\" not found");
        com.google.rpc.Status details = StatusProto.fromThrowable(viaProxy);
        assertThat(details).isEqualTo(StatusProto.fromThrowable(straight));
        assertThat(details.getDetails(0).is(StringValue.class)).isTrue();
        assertThat(viaProxy.getTrailers().get(FakeRuntime.TRAILER)).isEqualTo("done");
    }

    @Test
    void unknownMethodGetsTheRuntimesUnimplementedUnchanged() {
        String method = "runtime.v1.RuntimeService/NoSuchMethod";
        StatusRuntimeException viaProxy = catchStatus(() -> rawCall(viaShim, method));
        StatusRuntimeException straight = catchStatus(() -> rawCall(direct, method));

        assertThat(viaProxy.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
        assertThat(viaProxy.getStatus().getDescription())
                .isEqualTo(straight.getStatus().getDescription());
    }

    @Test
    void deadlineReachesTheRuntimeAndExpiryCancelsIt() {
        StatusRuntimeException failure = catchStatus(() -> RuntimeServiceGrpc.newBlockingStub(viaShim)
                .withDeadlineAfter(300, TimeUnit.MILLISECONDS)
                .removeContainer(RemoveContainerRequest.newBuilder()
                        .setContainerId("hang")
                        .build()));

        assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(runtime.lastDeadline.get()).isNotNull();
        await().atMost(Duration.ofSeconds(5)).untilTrue(runtime.hangCancelled);
    }

    @Test
    void clientCancelCancelsTheUpstreamCall() {
        ClientCall<RemoveContainerRequest, RemoveContainerResponse> call =
                viaShim.newCall(RuntimeServiceGrpc.getRemoveContainerMethod(), CallOptions.DEFAULT);
        ClientCalls.asyncUnaryCall(
                call, RemoveContainerRequest.newBuilder().setContainerId("hang").build(), new Outcome<>());
        await().atMost(Duration.ofSeconds(5)).until(() -> runtime.lastHeaders.get() != null);
        call.cancel("test cancels", null);
        await().atMost(Duration.ofSeconds(5)).untilTrue(runtime.hangCancelled);
    }

    @Test
    void serverStreamDeliversEveryEventInOrder() {
        runtime.eventLimit = 500;
        List<Long> seen = new CopyOnWriteArrayList<>();
        RuntimeServiceGrpc.newBlockingStub(viaShim)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .getContainerEvents(GetEventsRequest.getDefaultInstance())
                .forEachRemaining(event -> seen.add(event.getCreatedAt()));

        assertThat(seen).hasSize(500);
        assertThat(seen).isSorted();
    }

    @Test
    void streamCancelledByTheClientIsCancelledUpstream() {
        runtime.eventLimit = Integer.MAX_VALUE;
        AtomicReference<ClientCallStreamObserver<GetEventsRequest>> requestStream = new AtomicReference<>();
        AtomicInteger received = new AtomicInteger();
        RuntimeServiceGrpc.newStub(viaShim)
                .getContainerEvents(
                        GetEventsRequest.getDefaultInstance(),
                        new ClientResponseObserver<GetEventsRequest, ContainerEventResponse>() {
                            @Override
                            public void beforeStart(ClientCallStreamObserver<GetEventsRequest> stream) {
                                requestStream.set(stream);
                            }

                            @Override
                            public void onNext(ContainerEventResponse value) {
                                received.incrementAndGet();
                            }

                            @Override
                            public void onError(Throwable t) {}

                            @Override
                            public void onCompleted() {}
                        });
        await().atMost(Duration.ofSeconds(5)).until(() -> received.get() >= 10);
        requestStream.get().cancel("kubelet stops watching", null);
        await().atMost(Duration.ofSeconds(5)).untilTrue(runtime.eventsCancelled);
    }

    @Test
    void slowClientMakesTheRuntimeWaitInsteadOfTheShimBuffering() {
        runtime.eventLimit = 2_000;
        runtime.eventPayloadBytes = 32 * 1024;
        List<ContainerEventResponse> received = new CopyOnWriteArrayList<>();
        AtomicReference<ClientCallStreamObserver<GetEventsRequest>> stream = new AtomicReference<>();
        CountDownLatch completed = new CountDownLatch(1);
        RuntimeServiceGrpc.newStub(viaShim)
                .getContainerEvents(
                        GetEventsRequest.getDefaultInstance(),
                        new ClientResponseObserver<GetEventsRequest, ContainerEventResponse>() {
                            @Override
                            public void beforeStart(ClientCallStreamObserver<GetEventsRequest> s) {
                                s.disableAutoRequestWithInitial(1);
                                stream.set(s);
                            }

                            @Override
                            public void onNext(ContainerEventResponse value) {
                                received.add(value);
                            }

                            @Override
                            public void onError(Throwable t) {}

                            @Override
                            public void onCompleted() {
                                completed.countDown();
                            }
                        });
        await().atMost(Duration.ofSeconds(10)).untilTrue(runtime.eventsStalled);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> runtime.eventsStalled.get());
        int sentWhileStalled = runtime.eventsSent.get();
        // client window + shim windows + socket buffers hold a few MiB at most: ~200 events of 32 KiB.
        assertThat(sentWhileStalled).isLessThan(300);
        assertThat(received).hasSize(1);

        stream.get().request(Integer.MAX_VALUE);
        await().atMost(Duration.ofSeconds(30)).until(() -> completed.getCount() == 0);
        assertThat(received).hasSize(2_000);
    }

    @Test
    void interceptorsRewriteRequestsAndObserveResponsesWithoutDelayingTheCall() throws Exception {
        CountDownLatch observerMayFinish = new CountDownLatch(1);
        AtomicReference<RunPodSandboxResponse> observed = new AtomicReference<>();
        shim.interceptors()
                .register(
                        RuntimeServiceGrpc.getRunPodSandboxMethod(),
                        new CriInterceptor<RunPodSandboxRequest, RunPodSandboxResponse>() {
                            @Override
                            public RunPodSandboxRequest onRequest(RunPodSandboxRequest request, Metadata headers) {
                                return request.toBuilder()
                                        .setRuntimeHandler("rewritten")
                                        .build();
                            }

                            @Override
                            public void onResponse(RunPodSandboxRequest request, RunPodSandboxResponse response) {
                                try {
                                    observerMayFinish.await(10, TimeUnit.SECONDS);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                                observed.set(response);
                            }
                        });

        RunPodSandboxResponse answer = blocking(viaShim).runPodSandbox(runPod("web"));

        assertThat(answer.getPodSandboxId()).isEqualTo("pod-web");
        assertThat(runtime.lastRunPodSandbox.get().getRuntimeHandler()).isEqualTo("rewritten");
        assertThat(observed.get()).isNull();
        observerMayFinish.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> answer.equals(observed.get()));
    }

    @Test
    void throwingInterceptorLeavesTheResultUnchangedAndIsCounted() {
        RunPodSandboxResponse expected = blocking(viaShim).runPodSandbox(runPod("db"));
        RunPodSandboxRequest sentBefore = runtime.lastRunPodSandbox.get();
        shim.interceptors()
                .register(
                        RuntimeServiceGrpc.getRunPodSandboxMethod(),
                        new CriInterceptor<RunPodSandboxRequest, RunPodSandboxResponse>() {
                            @Override
                            public RunPodSandboxRequest onRequest(RunPodSandboxRequest request, Metadata headers) {
                                throw new IllegalStateException("plugin bug");
                            }

                            @Override
                            public void onResponse(RunPodSandboxRequest request, RunPodSandboxResponse response) {
                                throw new IllegalStateException("observer bug");
                            }
                        });

        assertThat(blocking(viaShim).runPodSandbox(runPod("db"))).isEqualTo(expected);
        assertThat(runtime.lastRunPodSandbox.get()).isEqualTo(sentBefore);
        await().atMost(Duration.ofSeconds(5)).until(() -> failures("REQUEST") == 1.0 && failures("RESPONSE") == 1.0);
    }

    @Test
    void runtimeOutageFailsFastWithUnavailableAndRecoversByItself() throws Exception {
        assertThat(blocking(viaShim)
                        .version(VersionRequest.getDefaultInstance())
                        .getRuntimeName())
                .isEqualTo("fake");
        runtime.kill();

        for (int i = 0; i < 5; i++) {
            long start = System.nanoTime();
            StatusRuntimeException failure =
                    catchStatus(() -> blocking(viaShim).version(VersionRequest.getDefaultInstance()));
            assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        }
        Files.deleteIfExists(runtime.socket);
        runtime.start();

        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(100))
                .ignoreExceptions()
                .until(() -> "fake"
                        .equals(blocking(viaShim)
                                .version(VersionRequest.getDefaultInstance())
                                .getRuntimeName()));
    }

    @Test
    void metricsEndpointServesCountsCodesLatencyAndInFlight() throws Exception {
        blocking(viaShim).version(VersionRequest.getDefaultInstance());
        catchStatus(() -> blocking(viaShim)
                .stopContainer(
                        StopContainerRequest.newBuilder().setContainerId("x").build()));

        InetSocketAddress address = shim.metricsAddress();
        URI metrics = URI.create("http://127.0.0.1:" + address.getPort() + "/metrics");
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> anonymous =
                http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).as("without the token").isEqualTo(401);
        Path tokenFile = dir.resolve("run/" + MetricsToken.FILE_NAME);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)))
                .isEqualTo("rw-------");
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(metrics)
                        .header(
                                "Authorization",
                                "Bearer " + Files.readString(tokenFile).trim())
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body())
                .contains("cri_shim_calls_seconds_count{code=\"OK\",method=\"runtime.v1.RuntimeService/Version\"} 1")
                .contains(
                        "cri_shim_calls_seconds_count{code=\"NOT_FOUND\",method=\"runtime.v1.RuntimeService/StopContainer\"} 1")
                .contains("cri_shim_calls_seconds_bucket{code=\"OK\",method=\"runtime.v1.RuntimeService/Version\"")
                .contains("cri_shim_calls_in_flight{method=\"runtime.v1.RuntimeService/Version\"} 0")
                .contains("cri_shim_runtime_up 1");
    }

    @Test
    void shutdownDrainsCallsInFlightAndRemovesTheSocket() throws Exception {
        Outcome<RemoveContainerResponse> outcome = new Outcome<>();
        ClientCalls.asyncUnaryCall(
                viaShim.newCall(RuntimeServiceGrpc.getRemoveContainerMethod(), CallOptions.DEFAULT),
                RemoveContainerRequest.newBuilder().setContainerId("slow-500").build(),
                outcome);
        await().atMost(Duration.ofSeconds(5)).until(() -> runtime.lastHeaders.get() != null);
        Path socket = shim.socket();

        shim.close();

        await().atMost(Duration.ofSeconds(5)).until(() -> outcome.result.get() != null);
        assertThat(outcome.result.get()).isEqualTo("ok");
        assertThat(socket).doesNotExist();
    }

    private double failures(String phase) {
        var counter = shim.meterRegistry()
                .find("cri.shim.interceptor.failures")
                .tag("phase", phase)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    private static RunPodSandboxRequest runPod(String name) {
        return RunPodSandboxRequest.newBuilder()
                .setConfig(PodSandboxConfig.newBuilder()
                        .setMetadata(PodSandboxMetadata.newBuilder()
                                .setName(name)
                                .setNamespace("default")
                                .setUid("u-" + name)))
                .build();
    }

    private static byte[] rawCall(ManagedChannel channel, String method) {
        return ClientCalls.blockingUnaryCall(
                channel,
                RawMarshaller.rawMethod(method),
                CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
                new byte[0]);
    }

    private static StatusRuntimeException catchStatus(Runnable call) {
        AtomicReference<StatusRuntimeException> caught = new AtomicReference<>();
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, caught::set);
        return caught.get();
    }

    /** Remembers how an asynchronous call ended: "ok" or the error. */
    private static final class Outcome<T> implements io.grpc.stub.StreamObserver<T> {
        final AtomicReference<Object> result = new AtomicReference<>();

        @Override
        public void onNext(T value) {
            result.set("ok");
        }

        @Override
        public void onError(Throwable t) {
            result.set(t);
        }

        @Override
        public void onCompleted() {}
    }
}
