package io.crifailover.testbed;

import io.crifailover.testsupport.Ports;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import okhttp3.mockwebserver.MockWebServer;

/**
 * The one accepted stand-in: a Kubernetes API server (fabric8's mock server in CRUD mode, so
 * objects persist and watches fire). It listens on every local address; nodes in network
 * namespaces reach it as {@code 127.0.0.1:port} through {@code forwardLoopbackPort}.
 */
public final class KubeApiServer implements AutoCloseable {
    private final KubernetesMockServer server;
    private final int port;

    private KubeApiServer(KubernetesMockServer server, int port) {
        this.server = server;
        this.port = port;
    }

    public static KubeApiServer start() {
        KubernetesMockServer server = new KubernetesMockServer(
                new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(List.of()), false);
        int port = Ports.freeLoopbackPort();
        try {
            server.init(InetAddress.getByName("0.0.0.0"), port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new KubeApiServer(server, port);
    }

    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:PORT}, valid on the host and inside forwarded namespaces. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** A new client; close it when done. */
    public KubernetesClient client() {
        return new KubernetesClientBuilder().withConfig(config()).build();
    }

    public Config config() {
        return new ConfigBuilder()
                .withMasterUrl(url())
                .withTrustCerts(true)
                .withNamespace("default")
                .withRequestTimeout(5_000)
                .withConnectionTimeout(2_000)
                .build();
    }

    /** Writes a kubeconfig file (0600) pointing at this server, for processes such as the shim. */
    public Path writeKubeconfig(Path file) {
        try {
            Files.writeString(file, """
          apiVersion: v1
          kind: Config
          clusters:
          - name: testbed
            cluster:
              server: %s
          contexts:
          - name: testbed
            context:
              cluster: testbed
              user: testbed
              namespace: default
          current-context: testbed
          users:
          - name: testbed
            user: {}
          """.formatted(url()));
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.destroy();
    }
}
