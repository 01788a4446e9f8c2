package io.crifailover.installer;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a fabric8 client (the shim's, 6.13) does with the kubeconfig the installer writes when the
 * token rotates: built the way the shim builds it without {@code --kubeconfig} (KUBECONFIG,
 * {@code Config.autoConfigure}), it re-reads the file and sends the new token; built from the file's
 * text ({@code --kubeconfig}, {@code Config.fromKubeconfig(String)}) it keeps the old token forever.
 */
class Fabric8TokenRotationTest {

    static final String PATH = "/api/v1/nodes/node-a";

    @TempDir
    Path dir;

    KubernetesMockServer server;
    FakeHost host;
    Path serviceAccount;
    CredentialSync sync;

    @BeforeEach
    void setUp() throws IOException {
        server = new KubernetesMockServer(false);
        server.init();
        host = new FakeHost(dir).kubeletConfig(FakeHost.KUBEADM_CONFIG).socket("run/containerd/containerd.sock");
        serviceAccount = Files.createDirectories(dir.resolve("serviceaccount"));
        Files.writeString(serviceAccount.resolve("token"), ServiceAccountSyncTest.TOKEN_1);
        Files.writeString(serviceAccount.resolve("ca.crt"), ServiceAccountSyncTest.CA);
        ApiAccess access =
                new ApiAccess(URI.create("http://" + server.getHostName() + ":" + server.getPort()), serviceAccount);
        host.install(InstallSettings.defaults(host.source).withApiAccess(access));
        sync = new CredentialSync(new HostRoot(host.root), access);
        // First request fine; the second one (after the rotation) is refused once, as an API server
        // refuses an expired token; then fine again.
        server.expect().withPath(PATH).andReturn(200, node()).once();
        server.expect().withPath(PATH).andReturn(401, "Unauthorized").once();
        server.expect().withPath(PATH).andReturn(200, node()).always();
    }

    @AfterEach
    void tearDown() {
        System.clearProperty(Config.KUBERNETES_KUBECONFIG_FILE);
        server.destroy();
    }

    @Test
    void clientConfiguredThroughKubeconfigVariablePicksUpTheRotatedTokenWithoutRestart() throws Exception {
        System.setProperty(
                Config.KUBERNETES_KUBECONFIG_FILE,
                host.path(HostLayout.KUBECONFIG).toString());
        try (KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(Config.autoConfigure(null))
                .build()) {
            assertThat(client.nodes().withName("node-a").get().getMetadata().getName())
                    .isEqualTo("node-a");

            Files.writeString(serviceAccount.resolve("token"), ServiceAccountSyncTest.TOKEN_2);
            assertThat(sync.syncOnce().changed()).contains(HostLayout.KUBECONFIG);

            assertThat(client.nodes().withName("node-a").get().getMetadata().getName())
                    .isEqualTo("node-a");
        }
        assertThat(authorizations())
                .containsExactly(
                        "Bearer " + ServiceAccountSyncTest.TOKEN_1,
                        "Bearer " + ServiceAccountSyncTest.TOKEN_1, // refused with 401 ...
                        "Bearer " + ServiceAccountSyncTest.TOKEN_2); // ... file re-read, retried with the new token
    }

    @Test
    void clientBuiltFromTheKubeconfigTextKeepsTheOldToken() throws Exception {
        Config config = Config.fromKubeconfig(Files.readString(host.path(HostLayout.KUBECONFIG)));
        try (KubernetesClient client =
                new KubernetesClientBuilder().withConfig(config).build()) {
            client.nodes().withName("node-a").get();
            Files.writeString(serviceAccount.resolve("token"), ServiceAccountSyncTest.TOKEN_2);
            sync.syncOnce();

            client.nodes().withName("node-a").get(); // refused, retried: the mock accepts any token then
        }
        assertThat(authorizations())
                .as("the retry after the 401 still sends the old token")
                .containsExactly(
                        "Bearer " + ServiceAccountSyncTest.TOKEN_1,
                        "Bearer " + ServiceAccountSyncTest.TOKEN_1,
                        "Bearer " + ServiceAccountSyncTest.TOKEN_1);
    }

    private List<String> authorizations() throws InterruptedException {
        List<String> headers = new ArrayList<>();
        RecordedRequest request;
        while ((request = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
            headers.add(request.getHeader("Authorization"));
        }
        return headers;
    }

    private static io.fabric8.kubernetes.api.model.Node node() {
        return new NodeBuilder()
                .withNewMetadata()
                .withName("node-a")
                .endMetadata()
                .build();
    }
}
