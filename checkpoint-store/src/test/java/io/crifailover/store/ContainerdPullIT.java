package io.crifailover.store;

import static org.awaitility.Awaitility.await;

import io.crifailover.protos.cri.AuthConfig;
import io.crifailover.protos.cri.ImageSpec;
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
 * containerd (real, from the harness) pulls the counter image from the store over plain HTTP on loopback, with
 * the credential given in CRI PullImage (anonymous pulls are refused), and runs it. The checkpoint-restore variant is {@link ContainerdRestoreFromStoreIT}.
 */
@Tag("integration")
class ContainerdPullIT {
    @TempDir
    Path dir;

    @Test
    void containerdPullsAndRunsAnImageFromTheStore() throws Exception {
        TestImages images = TestImages.shared();
        CheckpointStore store = CheckpointStore.open(dir.resolve("store"));
        try (StoreServer server = StoreServer.start(
                store,
                new AccessPolicy(null, Map.of("admin", "pw")),
                List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))) {
            String hostPort = server.url().substring("http://".length());
            Processes.check(
                    Duration.ofMinutes(2),
                    "skopeo",
                    "copy",
                    "--preserve-digests",
                    "--src-tls-verify=false",
                    "--dest-tls-verify=false",
                    "--dest-creds",
                    "admin:pw",
                    "docker://" + images.counterImage(),
                    "docker://" + hostPort + "/ckpt/counter:v1");
            String ref = hostPort + "/ckpt/counter:v1";
            try (ContainerdNode node = ContainerdNode.start(
                    ContainerdNode.options().name("store-pull").insecureRegistry(hostPort))) {
                CriClient cri = node.cri();
                cri.images()
                        .pullImage(PullImageRequest.newBuilder()
                                .setImage(ImageSpec.newBuilder().setImage(ref))
                                .setAuth(AuthConfig.newBuilder()
                                        .setServerAddress("http://" + hostPort)
                                        .setUsername("admin")
                                        .setPassword("pw"))
                                .build());
                var pod = cri.podConfig("counter-from-store", Map.of());
                String podId = cri.runPod(pod);
                String id = cri.createContainer(podId, pod, "counter", ref);
                cri.startContainer(id);
                await().atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(200))
                        .ignoreExceptions()
                        .until(() -> cri.counter(id) > 5);
            }
        }
    }
}
