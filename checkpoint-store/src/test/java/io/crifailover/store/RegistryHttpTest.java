package io.crifailover.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.crifailover.oci.Digest;
import io.crifailover.oci.MediaTypes;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryHttpTest {
    @TempDir
    Path dir;

    CheckpointStore store;
    StoreServer server;
    RuntimeCredentials runtime;
    final HttpClient http = HttpClient.newHttpClient();
    static final String AUTH =
            "Basic " + Base64.getEncoder().encodeToString("admin:s3cret".getBytes(StandardCharsets.UTF_8));

    @BeforeEach
    void start() throws Exception {
        store = CheckpointStore.open(dir.resolve("store"));
        runtime = RuntimeCredentials.create(dir.resolve("runtime-credentials"));
        server = StoreServer.start(
                store,
                new AccessPolicy(null, Map.of("admin", "s3cret"), runtime),
                List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    HttpResponse<byte[]> send(String method, String path, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anonymousCallersGetTheChallengeEvenFromLoopback() throws Exception {
        TestImage img = TestImage.random(1, 10_000);
        img.storeInto(store, "ckpt/app", "latest");
        for (String path : List.of(
                "/v2/",
                "/v2/_catalog",
                "/v2/ckpt/app/tags/list",
                "/v2/ckpt/app/manifests/latest",
                "/v2/ckpt/app/blobs/" + Digest.of(img.layers.get(0)))) {
            var r = send("GET", path, null);
            assertThat(r.statusCode()).as(path).isEqualTo(401);
            assertThat(r.headers().firstValue("WWW-Authenticate"))
                    .as(path)
                    .hasValue("Basic realm=\"cri-failover-store\"");
            assertThat(send("GET", path, null, "Authorization", basic("", "")).statusCode())
                    .as("empty Basic credentials on " + path)
                    .isEqualTo(401);
        }
    }

    @Test
    void runtimeCredentialPullsButNeverPushes() throws Exception {
        TestImage img = TestImage.random(1, 10_000);
        img.storeInto(store, "ckpt/app", "latest");
        RuntimeCredentials.Credential c = runtime.current();
        assertThat(send("GET", "/v2/ckpt/app/manifests/latest", null, "Authorization", basic(c.user(), c.password()))
                        .statusCode())
                .isEqualTo(200);
        var push = send("POST", "/v2/ckpt/app/blobs/uploads/", null, "Authorization", basic(c.user(), c.password()));
        assertThat(push.statusCode()).isEqualTo(403);
    }

    @Test
    void pullsAfterAuthentication() throws Exception {
        TestImage img = TestImage.random(1, 10_000);
        img.storeInto(store, "ckpt/app", "latest");
        assertThat(send("GET", "/v2/", null, "Authorization", AUTH).statusCode())
                .isEqualTo(200);

        var head = send("HEAD", "/v2/ckpt/app/manifests/latest", null, "Authorization", AUTH);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Content-Type")).hasValue(MediaTypes.INDEX);
        assertThat(head.headers().firstValue("Docker-Content-Digest"))
                .hasValue(img.indexDigest().toString());
        assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(img.index.length);
        assertThat(head.body()).isEmpty();

        var byDigest = send("GET", "/v2/ckpt/app/manifests/" + img.manifestDigest(), null, "Authorization", AUTH);
        assertThat(byDigest.headers().firstValue("Content-Type")).hasValue(MediaTypes.MANIFEST);
        assertThat(byDigest.body()).isEqualTo(img.manifest);

        Digest layer = Digest.of(img.layers.get(0));
        var blob = send("GET", "/v2/ckpt/app/blobs/" + layer, null, "Authorization", AUTH);
        assertThat(blob.body()).isEqualTo(img.layers.get(0));
        var range = send("GET", "/v2/ckpt/app/blobs/" + layer, null, "Range", "bytes=100-199", "Authorization", AUTH);
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(range.headers().firstValue("Content-Range")).hasValue("bytes 100-199/10000");
        assertThat(range.body()).isEqualTo(Arrays.copyOfRange(img.layers.get(0), 100, 200));
        assertThat(send("GET", "/v2/ckpt/app/blobs/" + layer, null, "Range", "bytes=20000-", "Authorization", AUTH)
                        .statusCode())
                .isEqualTo(416);
        var blobHead = send("HEAD", "/v2/ckpt/app/blobs/" + layer, null, "Authorization", AUTH);
        assertThat(blobHead.headers().firstValueAsLong("Content-Length")).hasValue(10_000);

        var tags = send("GET", "/v2/ckpt/app/tags/list", null, "Authorization", AUTH);
        assertThat(new String(tags.body(), StandardCharsets.UTF_8)).contains("\"latest\"");
        assertThat(send("GET", "/v2/ckpt/app/manifests/nope", null, "Authorization", AUTH)
                        .statusCode())
                .isEqualTo(404);
        assertThat(send("GET", "/v2/ckpt/app/blobs/" + Digest.of(new byte[1]), null, "Authorization", AUTH)
                        .statusCode())
                .isEqualTo(404);
    }

    @Test
    void pushNeedsAuthenticationEvenFromLoopback() throws Exception {
        var r = send("POST", "/v2/ckpt/app/blobs/uploads/", null);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
        String bad = "Basic " + Base64.getEncoder().encodeToString("admin:wrong".getBytes(StandardCharsets.UTF_8));
        assertThat(send("POST", "/v2/ckpt/app/blobs/uploads/", null, "Authorization", bad)
                        .statusCode())
                .isEqualTo(401);
    }

    @Test
    void chunkedAndMonolithicUploadThenManifestPut() throws Exception {
        TestImage img = TestImage.random(3, 300_000);
        byte[] layer = img.layers.get(0);
        var start = send("POST", "/v2/ckpt/app/blobs/uploads/", null, "Authorization", AUTH);
        assertThat(start.statusCode()).isEqualTo(202);
        String location = start.headers().firstValue("Location").orElseThrow();
        var p1 = send(
                "PATCH",
                location,
                Arrays.copyOfRange(layer, 0, 100_000),
                "Authorization",
                AUTH,
                "Content-Range",
                "0-99999",
                "Content-Type",
                "application/octet-stream");
        assertThat(p1.statusCode()).isEqualTo(202);
        assertThat(p1.headers().firstValue("Range")).hasValue("0-99999");
        var bad = send("PATCH", location, new byte[10], "Authorization", AUTH, "Content-Range", "5-14");
        assertThat(bad.statusCode()).isEqualTo(416);
        send("PATCH", location, Arrays.copyOfRange(layer, 100_000, 200_000), "Authorization", AUTH);
        var put = send(
                "PUT",
                location + "?digest=" + Digest.of(layer),
                Arrays.copyOfRange(layer, 200_000, layer.length),
                "Authorization",
                AUTH);
        assertThat(put.statusCode()).isEqualTo(201);
        assertThat(put.headers().firstValue("Docker-Content-Digest"))
                .hasValue(Digest.of(layer).toString());

        // manifest before its config blob exists: rejected, nothing stored
        var early = send(
                "PUT",
                "/v2/ckpt/app/manifests/v1",
                img.manifest,
                "Authorization",
                AUTH,
                "Content-Type",
                MediaTypes.MANIFEST);
        assertThat(early.statusCode()).isEqualTo(400);
        assertThat(new String(early.body(), StandardCharsets.UTF_8)).contains("MANIFEST_BLOB_UNKNOWN");
        assertThat(store.manifest("ckpt/app", "v1")).isEmpty();

        var mono = send(
                "POST",
                "/v2/ckpt/app/blobs/uploads/?digest=" + Digest.of(img.config),
                img.config,
                "Authorization",
                AUTH);
        assertThat(mono.statusCode()).isEqualTo(201);
        var wrong = send(
                "POST",
                "/v2/ckpt/app/blobs/uploads/?digest=" + Digest.of(new byte[3]),
                img.config,
                "Authorization",
                AUTH);
        assertThat(wrong.statusCode()).isEqualTo(400);
        assertThat(store.blobs().exists(Digest.of(new byte[3]))).isFalse();

        var ok = send(
                "PUT",
                "/v2/ckpt/app/manifests/v1",
                img.manifest,
                "Authorization",
                AUTH,
                "Content-Type",
                MediaTypes.MANIFEST);
        assertThat(ok.statusCode()).isEqualTo(201);
        assertThat(ok.headers().firstValue("Docker-Content-Digest"))
                .hasValue(img.manifestDigest().toString());
        assertThat(send("GET", "/v2/ckpt/app/manifests/v1", null, "Authorization", AUTH)
                        .body())
                .isEqualTo(img.manifest);
    }
}
