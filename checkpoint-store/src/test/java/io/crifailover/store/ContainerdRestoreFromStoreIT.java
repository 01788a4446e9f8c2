package io.crifailover.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.crifailover.image.CheckpointImage;
import io.crifailover.image.CheckpointImageBuilder;
import io.crifailover.image.CheckpointMetadata;
import io.crifailover.oci.Digest;
import io.crifailover.protos.cri.AuthConfig;
import io.crifailover.protos.cri.ContainerStatusRequest;
import io.crifailover.protos.cri.ImageSpec;
import io.crifailover.protos.cri.PodSandboxConfig;
import io.crifailover.protos.cri.PullImageRequest;
import io.crifailover.testsupport.ContainerdNode;
import io.crifailover.testsupport.CriClient;
import io.crifailover.testsupport.TestImages;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's acceptance path with real containerd 2.1, runc and CRIU: the counter is checkpointed through
 * CRI, packed into a checkpoint image by oci-image-builder, put into the store through its API (layers keep
 * their bytes), and a container in a new pod is created from {@code 127.0.0.1:PORT/repo@digest} served by
 * the store's registry endpoint; the restored counter continues from at least the checkpointed value. The
 * checkpoint image is pulled as the shim pulls it, with its {@link RuntimeCredentials} in CRI PullImage; the same
 * pull without them is refused.
 */
@Tag("integration")
class ContainerdRestoreFromStoreIT {
    private static final String REPO = "ckpt/counter";

    @TempDir
    Path dir;

    @Test
    void containerdRestoresACheckpointImagePulledFromTheStore() throws Exception {
        TestImages images = TestImages.shared();
        CheckpointStore store = CheckpointStore.open(dir.resolve("store"));
        RuntimeCredentials runtime = RuntimeCredentials.create(dir.resolve("runtime-credentials"));
        try (StoreServer server = StoreServer.start(
                store,
                new AccessPolicy(null, Map.of(), runtime),
                List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))) {
            String hostPort = server.url().substring("http://".length());
            try (ContainerdNode node = ContainerdNode.start(
                    ContainerdNode.options().name("store-restore").insecureRegistry(hostPort))) {
                CriClient cri = node.cri();
                String source = runCounter(cri, node, "counter-src", images.counterImage(), null);
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(100))
                        .ignoreExceptions()
                        .until(() -> cri.counter(source) >= 20);
                long before = cri.counter(source);
                Path archive = node.workDir().resolve("counter.tar");
                cri.checkpoint(source, archive);

                Path layout = node.workDir().resolve("layout");
                CheckpointImage image = CheckpointImageBuilder.build(
                        archive,
                        CheckpointMetadata.builder()
                                .sourceNode("store-restore")
                                .sequence(1)
                                .build(),
                        layout);
                Digest top = new OciLayoutImporter(store).importImage(layout, image.tag(), REPO, image.tag());
                store.recordCheckpoint(source, 1, REPO, image.tag());
                assertThat(top.toString()).isEqualTo(image.targetDigest());
                assertThat(store.blobs().exists(Digest.parse(image.layerDigest())))
                        .isTrue();

                String ref = hostPort + "/" + REPO + "@" + top;
                assertThatThrownBy(() -> cri.pull(ref))
                        .as("anonymous pull of the checkpoint image")
                        .hasMessageContaining("no basic auth credentials");
                RuntimeCredentials.Credential c = runtime.current();
                cri.images()
                        .pullImage(PullImageRequest.newBuilder()
                                .setImage(ImageSpec.newBuilder().setImage(ref))
                                .setAuth(AuthConfig.newBuilder()
                                        .setServerAddress("http://" + hostPort)
                                        .setUsername(c.user())
                                        .setPassword(c.password()))
                                .build());
                String restored;
                try (CriuLogCapture logs = CriuLogCapture.start(node.workDir().getParent(), dir.resolve("criu-logs"))) {
                    restored = runCounter(cri, node, "counter-restored", ref, logs);
                }
                Map<String, String> annotations = cri.runtime()
                        .containerStatus(ContainerStatusRequest.newBuilder()
                                .setContainerId(restored)
                                .build())
                        .getStatus()
                        .getAnnotationsMap();
                assertThat(annotations).containsEntry("restored", "true");
                long first = await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(100))
                        .ignoreExceptions()
                        .until(() -> cri.counter(restored), v -> v > 0);
                assertThat(first).as("first counter value after restore").isGreaterThanOrEqualTo(before);
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(100))
                        .ignoreExceptions()
                        .until(() -> cri.counter(restored) > first);
            }
        }
    }

    private static String runCounter(
            CriClient cri, ContainerdNode node, String podName, String image, CriuLogCapture logs) {
        PodSandboxConfig pod = cri.podConfig(podName, Map.of());
        String podId = cri.runPod(pod);
        String id = cri.createContainer(podId, pod, "counter", image);
        try {
            cri.startContainer(id);
        } catch (RuntimeException e) {
            throw new AssertionError(
                    "start of " + podName + " failed: " + e.getMessage() + "\n" + (logs == null ? "" : logs.tails(40)),
                    e);
        }
        return id;
    }
}
