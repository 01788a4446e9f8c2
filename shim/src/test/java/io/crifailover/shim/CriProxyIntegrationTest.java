package io.crifailover.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Message;
import io.crifailover.protos.cri.*;
import io.crifailover.shim.intercept.CriInterceptor;
import io.crifailover.shim.intercept.LifecycleMethods;
import io.crifailover.testsupport.CriClient;
import io.crifailover.testsupport.TestImages;
import io.grpc.CallOptions;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Kubelet's CRI methods against a real containerd, directly and through the shim. */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CriProxyIntegrationTest {

    private ShimUnderTest s;

    @BeforeAll
    void start() throws Exception {
        s = ShimUnderTest.start("proxy-it");
    }

    @AfterAll
    void stop() throws Exception {
        if (s != null) {
            s.close();
        }
    }

    private RuntimeServiceGrpc.RuntimeServiceBlockingStub direct() {
        return s.direct.runtime();
    }

    private RuntimeServiceGrpc.RuntimeServiceBlockingStub shim() {
        return s.viaShim.runtime();
    }

    private <Q, R extends Message> void assertSameAnswer(
            Function<RuntimeServiceGrpc.RuntimeServiceBlockingStub, R> call) {
        assertThat(VolatileFields.strip(call.apply(shim()))).isEqualTo(VolatileFields.strip(call.apply(direct())));
    }

    private <R extends Message> void assertSameImageAnswer(
            Function<ImageServiceGrpc.ImageServiceBlockingStub, R> call) {
        assertThat(VolatileFields.strip(call.apply(s.viaShim.images())))
                .isEqualTo(VolatileFields.strip(call.apply(s.direct.images())));
    }

    @Test
    void everyKubeletMethodAnswersTheSameThroughTheShim() throws Exception {
        String image = TestImages.shared().counterImage();
        CriClient cri = s.viaShim;
        PodSandboxConfig pod = cri.podConfig("via-shim", Map.of("cri-failover.io/test", "yes"));
        String podId = cri.runPod(pod);
        String containerId = cri.createContainer(podId, pod, "counter", image);
        cri.startContainer(containerId);
        assertThat(direct().containerStatus(ContainerStatusRequest.newBuilder()
                                .setContainerId(containerId)
                                .build())
                        .getStatus()
                        .getState())
                .isEqualTo(ContainerState.CONTAINER_RUNNING);

        assertSameAnswer(
                r -> r.version(VersionRequest.newBuilder().setVersion("v1").build()));
        assertSameAnswer(r -> r.status(StatusRequest.newBuilder().build()));
        assertSameAnswer(r -> r.runtimeConfig(RuntimeConfigRequest.getDefaultInstance()));
        assertSameAnswer(r -> r.podSandboxStatus(
                PodSandboxStatusRequest.newBuilder().setPodSandboxId(podId).build()));
        assertSameAnswer(r -> r.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()));
        assertSameAnswer(r -> r.listContainers(ListContainersRequest.getDefaultInstance()));
        assertSameAnswer(r -> r.containerStatus(
                ContainerStatusRequest.newBuilder().setContainerId(containerId).build()));
        assertSameAnswer(r -> r.containerStats(
                ContainerStatsRequest.newBuilder().setContainerId(containerId).build()));
        assertSameAnswer(r -> r.listContainerStats(ListContainerStatsRequest.getDefaultInstance()));
        assertSameAnswer(r -> r.podSandboxStats(
                PodSandboxStatsRequest.newBuilder().setPodSandboxId(podId).build()));
        assertSameAnswer(r -> r.listPodSandboxStats(ListPodSandboxStatsRequest.getDefaultInstance()));
        assertSameAnswer(r -> r.updateContainerResources(UpdateContainerResourcesRequest.newBuilder()
                .setContainerId(containerId)
                .setLinux(LinuxContainerResources.newBuilder().setCpuShares(512))
                .build()));
        assertSameAnswer(r -> r.reopenContainerLog(ReopenContainerLogRequest.newBuilder()
                .setContainerId(containerId)
                .build()));
        assertSameAnswer(r -> r.execSync(ExecSyncRequest.newBuilder()
                .setContainerId(containerId)
                .addCmd("echo")
                .addCmd("hello")
                .setTimeout(10)
                .build()));
        assertThat(streamingUrl(shim().exec(ExecRequest.newBuilder()
                                .setContainerId(containerId)
                                .addCmd("true")
                                .setStdout(true)
                                .build())
                        .getUrl()))
                .isEqualTo(streamingUrl(direct().exec(ExecRequest.newBuilder()
                                .setContainerId(containerId)
                                .addCmd("true")
                                .setStdout(true)
                                .build())
                        .getUrl()));
        assertThat(streamingUrl(shim().attach(AttachRequest.newBuilder()
                                .setContainerId(containerId)
                                .setStdout(true)
                                .build())
                        .getUrl()))
                .isEqualTo(streamingUrl(direct().attach(AttachRequest.newBuilder()
                                .setContainerId(containerId)
                                .setStdout(true)
                                .build())
                        .getUrl()));
        assertThat(streamingUrl(shim().portForward(PortForwardRequest.newBuilder()
                                .setPodSandboxId(podId)
                                .build())
                        .getUrl()))
                .isEqualTo(streamingUrl(direct().portForward(PortForwardRequest.newBuilder()
                                .setPodSandboxId(podId)
                                .build())
                        .getUrl()));

        for (Function<RuntimeServiceGrpc.RuntimeServiceBlockingStub, Object> newer :
                List.<Function<RuntimeServiceGrpc.RuntimeServiceBlockingStub, Object>>of(
                        r -> r.listMetricDescriptors(ListMetricDescriptorsRequest.getDefaultInstance()),
                        r -> r.listPodSandboxMetrics(ListPodSandboxMetricsRequest.getDefaultInstance()))) {
            Outcome viaShim = outcome(() -> newer.apply(shim()));
            Outcome straight = outcome(() -> newer.apply(direct()));
            assertThat(viaShim.code()).isEqualTo(straight.code());
        }

        assertSameImageAnswer(i -> i.listImages(ListImagesRequest.getDefaultInstance()));
        assertSameImageAnswer(i -> i.imageStatus(ImageStatusRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(image))
                .build()));
        assertSameImageAnswer(i -> i.imageFsInfo(ImageFsInfoRequest.getDefaultInstance()));
        assertSameImageAnswer(i -> i.pullImage(PullImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(image))
                .build()));
        assertSameImageAnswer(i -> i.removeImage(RemoveImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage("127.0.0.1:1/absent/image:none"))
                .build()));

        Path archive = s.node.workDir().resolve("via-shim-checkpoint.tar");
        Outcome checkpointViaShim = outcome(() -> shim().checkpointContainer(CheckpointContainerRequest.newBuilder()
                .setContainerId(containerId)
                .setLocation(archive.toString())
                .setTimeout(60)
                .build()));
        System.out.println("CheckpointContainer through the shim: " + checkpointViaShim.code());
        if (checkpointViaShim.error == null) {
            assertThat(archive).exists();
        } else {
            Path other = s.node.workDir().resolve("direct-checkpoint.tar");
            Outcome checkpointDirect =
                    outcome(() -> direct().checkpointContainer(CheckpointContainerRequest.newBuilder()
                            .setContainerId(containerId)
                            .setLocation(other.toString())
                            .setTimeout(60)
                            .build()));
            assertThat(checkpointViaShim.code()).isEqualTo(checkpointDirect.code());
        }

        shim().stopContainer(StopContainerRequest.newBuilder()
                .setContainerId(containerId)
                .setTimeout(0)
                .build());
        assertThat(direct().containerStatus(ContainerStatusRequest.newBuilder()
                                .setContainerId(containerId)
                                .build())
                        .getStatus()
                        .getState())
                .isEqualTo(ContainerState.CONTAINER_EXITED);
        shim().removeContainer(RemoveContainerRequest.newBuilder()
                .setContainerId(containerId)
                .build());
        shim().stopPodSandbox(StopPodSandboxRequest.newBuilder()
                .setPodSandboxId(podId)
                .build());
        shim().removePodSandbox(RemovePodSandboxRequest.newBuilder()
                .setPodSandboxId(podId)
                .build());
        assertThat(direct().listContainers(ListContainersRequest.getDefaultInstance())
                        .getContainersList())
                .extracting(Container::getId)
                .doesNotContain(containerId);
        assertThat(direct().listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                        .getItemsList())
                .extracting(PodSandbox::getId)
                .doesNotContain(podId);
    }

    @Test
    void errorsCarryTheSameCodeAndMessage() {
        String missing = "0000000000000000000000000000000000000000000000000000000000000000";
        List<Function<RuntimeServiceGrpc.RuntimeServiceBlockingStub, Object>> calls = List.of(
                r -> r.containerStatus(ContainerStatusRequest.newBuilder()
                        .setContainerId(missing)
                        .build()),
                r -> r.podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                        .setPodSandboxId(missing)
                        .build()),
                r -> r.startContainer(StartContainerRequest.newBuilder()
                        .setContainerId(missing)
                        .build()),
                r -> r.stopContainer(StopContainerRequest.newBuilder()
                        .setContainerId(missing)
                        .build()),
                r -> r.execSync(ExecSyncRequest.newBuilder()
                        .setContainerId(missing)
                        .addCmd("true")
                        .build()),
                r -> r.containerStats(ContainerStatsRequest.newBuilder()
                        .setContainerId(missing)
                        .build()),
                r -> r.createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(missing)
                        .build()),
                r -> r.runPodSandbox(RunPodSandboxRequest.getDefaultInstance()),
                r -> r.checkpointContainer(CheckpointContainerRequest.newBuilder()
                        .setContainerId(missing)
                        .build()));
        int failures = 0;
        for (Function<RuntimeServiceGrpc.RuntimeServiceBlockingStub, Object> call : calls) {
            Outcome viaShim = outcome(() -> call.apply(shim()));
            Outcome straight = outcome(() -> call.apply(direct()));
            assertThat(viaShim.code()).isEqualTo(straight.code());
            if (straight.error != null) {
                failures++;
                assertThat(viaShim.error.getStatus().getDescription())
                        .isEqualTo(straight.error.getStatus().getDescription());
            }
        }
        assertThat(failures).as("calls about a missing object that fail").isGreaterThanOrEqualTo(6);
    }

    @Test
    void unknownMethodGetsTheRuntimesUnimplementedUnchanged() {
        MethodDescriptor<byte[], byte[]> method = RawMarshaller.rawMethod("runtime.v1.RuntimeService/NoSuchMethod");
        StatusRuntimeException viaShim = catchThrowableOfType(
                StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(
                        s.viaShim.channel(),
                        method,
                        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                        new byte[0]));
        StatusRuntimeException straight = catchThrowableOfType(
                StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(
                        s.direct.channel(),
                        method,
                        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                        new byte[0]));

        assertThat(viaShim.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNIMPLEMENTED);
        assertThat(viaShim.getStatus().getDescription())
                .isEqualTo(straight.getStatus().getDescription());
    }

    @Test
    void containerEventsStreamThroughTheShimAndCancelReachesUpstream() {
        List<ContainerEventResponse> events = new CopyOnWriteArrayList<>();
        AtomicReference<ClientCallStreamObserver<GetEventsRequest>> stream = new AtomicReference<>();
        RuntimeServiceGrpc.newStub(s.viaShim.channel())
                .getContainerEvents(
                        GetEventsRequest.getDefaultInstance(),
                        new ClientResponseObserver<GetEventsRequest, ContainerEventResponse>() {
                            @Override
                            public void beforeStart(ClientCallStreamObserver<GetEventsRequest> s) {
                                stream.set(s);
                            }

                            @Override
                            public void onNext(ContainerEventResponse value) {
                                events.add(value);
                            }

                            @Override
                            public void onError(Throwable t) {}

                            @Override
                            public void onCompleted() {}
                        });
        await().atMost(Duration.ofSeconds(5)).until(() -> inFlight("GetContainerEvents") == 1.0);

        CriClient cri = s.direct;
        PodSandboxConfig pod = cri.podConfig("events", Map.of());
        String podId = cri.runPod(pod);
        String containerId =
                cri.createContainer(podId, pod, "counter", TestImages.shared().counterImage());
        cri.startContainer(containerId);
        direct().stopContainer(StopContainerRequest.newBuilder()
                .setContainerId(containerId)
                .setTimeout(0)
                .build());
        direct().removeContainer(RemoveContainerRequest.newBuilder()
                .setContainerId(containerId)
                .build());
        direct().stopPodSandbox(StopPodSandboxRequest.newBuilder()
                .setPodSandboxId(podId)
                .build());
        direct().removePodSandbox(RemovePodSandboxRequest.newBuilder()
                .setPodSandboxId(podId)
                .build());

        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(events)
                        .filteredOn(e -> e.getContainerId().equals(containerId))
                        .extracting(ContainerEventResponse::getContainerEventType)
                        .contains(
                                ContainerEventType.CONTAINER_CREATED_EVENT,
                                ContainerEventType.CONTAINER_STARTED_EVENT,
                                ContainerEventType.CONTAINER_STOPPED_EVENT,
                                ContainerEventType.CONTAINER_DELETED_EVENT));

        stream.get().cancel("kubelet stops watching", null);
        await().atMost(Duration.ofSeconds(5)).until(() -> inFlight("GetContainerEvents") == 0.0);
        assertThat(s.shim.meterRegistry()
                        .find("cri.shim.calls")
                        .tag("method", "runtime.v1.RuntimeService/GetContainerEvents")
                        .tag("code", "CANCELLED")
                        .timer())
                .isNotNull();
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void throwingInterceptorsDoNotChangeKubeletsResults() {
        for (MethodDescriptor<?, ?> method : LifecycleMethods.ALL) {
            s.shim.interceptors().register((MethodDescriptor) method, new CriInterceptor<Object, Object>() {
                @Override
                public Object onRequest(Object request, Metadata headers) {
                    throw new IllegalStateException("broken plugin for " + method.getFullMethodName());
                }

                @Override
                public void onResponse(Object request, Object response) {
                    throw new IllegalStateException("broken observer");
                }
            });
        }
        CriClient cri = s.viaShim;
        PodSandboxConfig pod = cri.podConfig("intercepted", Map.of());
        String podId = cri.runPod(pod);
        String containerId =
                cri.createContainer(podId, pod, "counter", TestImages.shared().counterImage());
        cri.startContainer(containerId);
        assertThat(cri.exec(containerId, "echo", "alive")).isEqualTo("alive\n");
        shim().stopContainer(StopContainerRequest.newBuilder()
                .setContainerId(containerId)
                .setTimeout(0)
                .build());
        shim().removeContainer(RemoveContainerRequest.newBuilder()
                .setContainerId(containerId)
                .build());
        shim().stopPodSandbox(StopPodSandboxRequest.newBuilder()
                .setPodSandboxId(podId)
                .build());
        shim().removePodSandbox(RemovePodSandboxRequest.newBuilder()
                .setPodSandboxId(podId)
                .build());

        assertThat(direct().listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                        .getItemsList())
                .extracting(PodSandbox::getId)
                .doesNotContain(podId);
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(s.shim.meterRegistry()
                                .find("cri.shim.interceptor.failures")
                                .counters())
                        .extracting(c -> c.getId().getTag("method"))
                        .hasSizeGreaterThanOrEqualTo(7));
    }

    private double inFlight(String method) {
        var gauge = s.shim.meterRegistry()
                .find("cri.shim.calls.in.flight")
                .tag("method", "runtime.v1.RuntimeService/" + method)
                .gauge();
        return gauge == null ? -1 : gauge.value();
    }

    /** A streaming URL without its one-time token. */
    private static String streamingUrl(String url) {
        return url.substring(0, url.lastIndexOf('/'));
    }

    private record Outcome(StatusRuntimeException error) {
        io.grpc.Status.Code code() {
            return error == null ? io.grpc.Status.Code.OK : error.getStatus().getCode();
        }
    }

    private static Outcome outcome(Runnable call) {
        try {
            call.run();
            return new Outcome(null);
        } catch (StatusRuntimeException e) {
            return new Outcome(e);
        }
    }
}
