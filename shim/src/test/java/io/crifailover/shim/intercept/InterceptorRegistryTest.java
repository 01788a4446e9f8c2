package io.crifailover.shim.intercept;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crifailover.protos.cri.ContainerConfig;
import io.crifailover.protos.cri.CreateContainerRequest;
import io.crifailover.protos.cri.CreateContainerResponse;
import io.crifailover.protos.cri.ImageSpec;
import io.crifailover.protos.cri.RuntimeServiceGrpc;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

class InterceptorRegistryTest {

    private final List<String> failures = new ArrayList<>();
    private final InterceptorFailures recorder = new InterceptorFailures() {
        @Override
        public void interceptorFailed(String fullMethodName, Phase phase) {
            failures.add(phase.name());
        }

        @Override
        public void observationDropped(String fullMethodName) {
            failures.add("dropped");
        }
    };
    private final InterceptorRegistry registry = new InterceptorRegistry(Runnable::run, recorder);
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
        assertThat(registry.open(create, new Metadata()).onRequest(raw)).isSameAs(raw);

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
        byte[] rewritten = registry.open(create, new Metadata()).onRequest(raw);
        assertThat(CreateContainerRequest.parseFrom(rewritten)
                        .getConfig()
                        .getImage()
                        .getImage())
                .isEqualTo("checkpoint:1");
        assertThat(failures).isEmpty();
    }

    @Test
    void failingInterceptorsFallBackToTheOriginalBytesAndAreReported() {
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

        assertThat(call.onRequest(raw)).isSameAs(raw);
        call.onResponse(
                CreateContainerResponse.newBuilder().setContainerId("c").build().toByteArray());
        call.onClose(Status.NOT_FOUND);

        assertThat(failures).containsExactly("REQUEST", "RESPONSE");
        assertThat(errors).extracting(Status::getCode).containsExactly(Status.Code.NOT_FOUND);
    }

    @Test
    void undecodableBytesAreForwardedAsTheyAre() {
        registry.register(RuntimeServiceGrpc.getCreateContainerMethod(), new CriInterceptor<>() {});
        byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff};

        assertThat(registry.open(create, new Metadata()).onRequest(garbage)).isSameAs(garbage);
        assertThat(failures).containsExactly("REQUEST");
    }

    @Test
    void fullObserverQueueDropsTheObservationInsteadOfBlocking() {
        InterceptorRegistry full = new InterceptorRegistry(
                task -> {
                    throw new RejectedExecutionException("full");
                },
                recorder);
        full.register(RuntimeServiceGrpc.getCreateContainerMethod(), new CriInterceptor<>() {});

        full.open(create, new Metadata()).onResponse(new byte[0]);

        assertThat(failures).containsExactly("dropped");
    }

    @Test
    void streamingMethodsCannotBeIntercepted() {
        assertThatThrownBy(() ->
                        registry.register(RuntimeServiceGrpc.getGetContainerEventsMethod(), new CriInterceptor<>() {}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only unary");
    }
}
