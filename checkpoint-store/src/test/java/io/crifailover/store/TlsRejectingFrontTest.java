package io.crifailover.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A TLS ClientHello on the loopback endpoint gets an immediate HTTP answer; HTTP is relayed unchanged. */
class TlsRejectingFrontTest {
    @TempDir
    Path root;

    @Test
    void tlsHandshakeIsAnsweredWithHttpAndHttpStillWorks() throws Exception {
        CheckpointStore store = CheckpointStore.open(root.resolve("store"));
        AccessPolicy policy = new AccessPolicy(new ClusterKey(new byte[32]), Map.of());
        try (StoreServer server =
                StoreServer.start(store, policy, List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))) {
            InetSocketAddress address = server.addresses().get(0);
            try (Socket s = new Socket(address.getAddress(), address.getPort())) {
                s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00});
                InputStream in = s.getInputStream();
                String answer = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
                assertThat(answer).isEqualTo("HTTP/1.1 400");
            }
            HttpResponse<String> ping = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://"
                                            + address.getAddress().getHostAddress() + ":" + address.getPort() + "/v2/"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            // relayed to the registry, which challenges anonymous callers
            assertThat(ping.statusCode()).isEqualTo(401);
            assertThat(ping.headers().firstValue("WWW-Authenticate")).isPresent();
        }
    }
}
