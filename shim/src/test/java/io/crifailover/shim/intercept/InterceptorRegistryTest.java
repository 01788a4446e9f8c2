package io.crifailover.shim.intercept;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.crifailover.protos.cri.ContainerConfig;
import io.crifailover.protos.cri.CreateContainerRequest;
import io.crifailover.protos.cri.CreateContainerResponse;
import io.crifailover.protos.cri.ImageSpec;
import io.crifailover.protos.cri.RuntimeServiceGrpc;
import io.grpc.Metadata;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InterceptorRegistryTest {

    private final List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final InterceptorFailures recorder = new InterceptorFailures() {
        @Override
        public void interceptorFailed(String fullMethodName, Phase phase) {
            failures.add(phase.name());
        }

        @Override
        public void observationDropped(String fullMethodName) {
            failures.add("dropped");
        }

        @Override
        public void callRefused(String fullMethodName, Status.Code code) {
            failures.add("refused " + code);
        }
    };
    private final InterceptorLanes lanes = InterceptorLanes.create(1, 1);
    private final InterceptorRegistry registry = new InterceptorRegistry(lanes, Runnable::run, recorder);

    @AfterEach
    void stop() {
        lanes.close();
    }

    private static byte[] decide(CallInterception call, byte[] raw) throws Exception {
        return call.onRequest(raw, TimeUnit.SECONDS.toNanos(30))
                .get(30, TimeUnit.SECONDS)
                .bytes();
    }

    private final String create = RuntimeServiceGrpc.getCreateContainerMethod().getFullMethodName();

    private static byte[] request(String image) {
        return CreateContainerRequest.newBuilder()
                .setPodSandboxId("p")
                .setConfig(ContainerConfig.newBuilder()
                        .setImage(ImageSpec.newBuilder().setImage(image)))
                .build()
                .toByteArray();
    }

    @Test
    void onlyRegisteredMethodsAreIntercepted() {
        assertThat(registry.open(create, new Metadata())).isNull();
        registry.register(RuntimeServiceGrpc.getCreateContainerMethod(), new CriInterceptor<>() {});
        assertThat(registry.intercepts(create)).isTrue();
        assertThat(registry.open(create, new Metadata())).isNotNull();
        assertThat(LifecycleMethods.ALL).hasSize(7);
        assertThat(LifecycleMethods.contains(create)).isTrue();
    }

    @Test
    void unchangedRequestsKeepTheirOriginalBytesAndRewritesAreReencoded() throws Exception {
        byte[] raw = request("busybox");
        registry.register(RuntimeServiceGrpc.getCreateContainerMethod(), new CriInterceptor<>() {});
        assertThat(decide(registry.open(create, new Metadata()), raw)).isSameAs(raw);

        registry.register(
                RuntimeServiceGrpc.getCreateContainerMethod(),
                new CriInterceptor<CreateContainerRequest, CreateContainerResponse>() {
                    @Override
                    public CreateContainerRequest onRequest(CreateContainerRequest request, Metadata headers) {
                        return request.toBuilder()
                                .setConfig(request.getConfig().toBuilder()
                                        .setImage(ImageSpec.newBuilder().setImage("checkpoint:1")))
                                .build();
                    }
                });
        byte[] rewritten = decide(registry.open(create, new Metadata()), raw);
        assertThat(CreateContainerRequest.parseFrom(rewritten)
                        .getConfig()
                        .getImage()
                        .getImage())
                .isEqualTo("checkpoint:1");
        assertThat(failures).isEmpty();
    }

    @Test
    void failingInterceptorsFallBackToTheOriginalBytesAndAreReported() throws Exception {
        byte[] raw = request("busybox");
        List<Status> errors = new ArrayList<>();
        registry.register(
                RuntimeServiceGrpc.getCreateContainerMethod(),
                new CriInterceptor<CreateContainerRequest, CreateContainerResponse>() {
                    @Override
                    public CreateContainerRequest onRequest(CreateContainerRequest request, Metadata headers) {
                        throw new IllegalArgumentException("boom");
                    }

                    @Override
                    public void onResponse(CreateContainerRequest request, CreateContainerResponse response) {
                        throw new IllegalStateException("boom");
                    }

                    @Override
                    public void onError(CreateContainerRequest request, Status status) {
                        errors.add(status);
                    }
                });
        CallInterception call = registry.open(create, new Metadata());

        assertThat(decide(call, raw)).isSameAs(raw);
        call.onResponse(
                CreateContainerResponse.newBuilder().setContainerId("c").build().toByteArray());
        call.onClose(Status.NOT_FOUND);

        assertThat(failures).containsExactly("REQUEST", "RESPONSE");
        assertThat(errors).extracting(Status::getCode).containsExactly(Status.Code.NOT_FOUND);
    }

    @Test
    void undecodableBytesAreForwardedAsTheyAre() throws Exception {
        registry.register(RuntimeServiceGrpc.getCreateContainerMethod(), new CriInterceptor<>() {});
        byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff};

        assertThat(decide(registry.open(create, new Metadata()), garbage)).isSameAs(garbage);
        assertThat(failures).containsExactly("REQUEST");
    }

    @Test
    void fullObserverQueueDropsTheObservationInsteadOfBlocking() {
        InterceptorRegistry full = new InterceptorRegistry(
                lanes,
                task -> {
                    throw new RejectedExecutionException("full");
                },
                recorder);
        full.register(RuntimeServiceGrpc.getCreateContainerMethod(), new CriInterceptor<>() {});

        full.open(create, new Metadata()).onResponse(new byte[0]);

        assertThat(failures).containsExactly("dropped");
    }

    @Test
    void aRefusalIsADecisionAndCountedNotAFailure() throws Exception {
        registry.register(
                RuntimeServiceGrpc.getCreateContainerMethod(),
                new CriInterceptor<CreateContainerRequest, CreateContainerResponse>() {
                    @Override
                    public CreateContainerRequest onRequest(CreateContainerRequest request, Metadata headers) {
                        throw CallRefusal.unavailable("checkpoint image sha256:ab could not be pulled");
                    }
                });

        RequestDecision decision = registry.open(create, new Metadata())
                .onRequest(request("busybox"), TimeUnit.SECONDS.toNanos(30))
                .get(30, TimeUnit.SECONDS);

        assertThat(decision.refused()).isTrue();
        assertThat(decision.refusal().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(decision.refusal().getDescription()).isEqualTo("checkpoint image sha256:ab could not be pulled");
        // counted right after the decision completed, on the lane's thread
        await().atMost(Duration.ofSeconds(10)).until(() -> failures.contains("refused UNAVAILABLE"));
        assertThat(failures).containsExactly("refused UNAVAILABLE");
    }

    @Test
    void waitingRequestsBeyondTheWaitingLaneAreRefusedWithUnavailable() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        registry.register(
                RuntimeServiceGrpc.getCreateContainerMethod(),
                new CriInterceptor<CreateContainerRequest, CreateContainerResponse>() {
                    @Override
                    public boolean mayWait(CreateContainerRequest request, Metadata headers) {
                        return true;
                    }

                    @Override
                    public CreateContainerRequest onRequest(CreateContainerRequest request, Metadata headers) {
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return request;
                    }
                });
        byte[] raw = request("busybox");
        var first = registry.open(create, new Metadata()).onRequest(raw, TimeUnit.SECONDS.toNanos(30));
        await().atMost(Duration.ofSeconds(10)).until(() -> lanes.waitingCalls() == 1);

        RequestDecision second = registry.open(create, new Metadata())
                .onRequest(raw, TimeUnit.SECONDS.toNanos(30))
                .get(30, TimeUnit.SECONDS);
        release.countDown();

        assertThat(second.refusal().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(first.get(30, TimeUnit.SECONDS).bytes()).isSameAs(raw);
    }

    @Test
    void streamingMethodsCannotBeIntercepted() {
        assertThatThrownBy(() ->
                        registry.register(RuntimeServiceGrpc.getGetContainerEventsMethod(), new CriInterceptor<>() {}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only unary");
    }
}
