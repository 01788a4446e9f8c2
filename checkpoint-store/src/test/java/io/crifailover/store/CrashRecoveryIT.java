package io.crifailover.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.crifailover.oci.Digest;
import io.crifailover.oci.MediaTypes;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 of a store process during an upload and during replication, then restart and check. */
@Tag("integration")
class CrashRecoveryIT {
    @TempDir
    Path dir;

    Path key;
    Path creds;
    ClusterKey clusterKey;
    static final String BASIC =
            "Basic " + Base64.getEncoder().encodeToString("admin:pw".getBytes(StandardCharsets.UTF_8));
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void secrets() throws Exception {
        String k = ClusterKey.generate();
        clusterKey = new ClusterKey(Base64.getDecoder().decode(k));
        key = Files.writeString(dir.resolve("cluster.key"), k);
        creds = Files.writeString(dir.resolve("users"), "admin:pw\n");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(creds, PosixFilePermissions.fromString("rw-------"));
    }

    private int status(String url) throws Exception {
        return http.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .header("Authorization", BASIC)
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private static long sizeOfFiles(Path d) throws IOException {
        if (!Files.isDirectory(d)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(d)) {
            return s.filter(Files::isRegularFile)
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        }
    }

    @Test
    void killDuringUploadLeavesNoPartialBlob() throws Exception {
        Path root = dir.resolve("store");
        CheckpointStore seed = CheckpointStore.open(root);
        TestImage complete = TestImage.random(1, 100_000);
        complete.storeInto(seed, "ckpt/app", "done");
        byte[] big = new byte[32 << 20];
        new Random(2).nextBytes(big);
        Digest bigDigest = Digest.of(big);

        try (StoreProcess store = StoreProcess.start(root, key, creds, dir.resolve("serve1.log"))) {
            HttpURLConnection c =
                    (HttpURLConnection) URI.create(store.url + "/v2/ckpt/app/blobs/uploads/?digest=" + bigDigest)
                            .toURL()
                            .openConnection();
            c.setRequestMethod("POST");
            c.setRequestProperty("Authorization", BASIC);
            c.setDoOutput(true);
            c.setFixedLengthStreamingMode(big.length);
            OutputStream out = c.getOutputStream();
            out.write(big, 0, big.length / 2);
            out.flush();
            await().atMost(Duration.ofSeconds(30)).until(() -> sizeOfFiles(root.resolve("tmp")) > 0);
            store.kill9();
            c.disconnect();
        }
        try (StoreProcess store = StoreProcess.start(root, key, creds, dir.resolve("serve2.log"))) {
            assertThat(status(store.url + "/v2/ckpt/app/blobs/" + bigDigest)).isEqualTo(404);
            assertThat(sizeOfFiles(root.resolve("tmp"))).isZero();
            assertThat(status(store.url + "/v2/ckpt/app/manifests/done")).isEqualTo(200);
            for (Digest d : complete.blobDigests()) {
                assertThat(status(store.url + "/v2/ckpt/app/blobs/" + d)).isEqualTo(200);
            }
        }
        CheckpointStore after = CheckpointStore.open(root);
        for (Digest d : after.blobs().list()) {
            assertThat(Digest.of(after.blobs().read(d))).isEqualTo(d);
        }
    }

    @Test
    void killDuringReplicationThenRetrySucceeds() throws Exception {
        CheckpointStore source = CheckpointStore.open(dir.resolve("source"));
        byte[] memory = new byte[48 << 20];
        new Random(3).nextBytes(memory);
        TestImage img = TestImage.of(List.of(memory), "{\"n\":1}");
        img.storeInto(source, "ckpt/redis", "1");
        Digest layer = Digest.of(memory);
        ChunkRecipe recipe = source.chunks().recipeFor(layer);
        Path targetRoot = dir.resolve("target");
        HmacSigner signer = new HmacSigner(clusterKey, "node-a");

        try (StoreProcess target = StoreProcess.start(targetRoot, key, creds, dir.resolve("target1.log"))) {
            PeerClient peer = new PeerClient(target.url, signer);
            OfferResponse offer = peer.offer(recipe, recipe.encode());
            assertThat(offer.missing()).isNotEmpty();
            String path = "/replication/v1/blobs/" + layer + "/chunks";
            HttpURLConnection c =
                    (HttpURLConnection) URI.create(target.url + path).toURL().openConnection();
            c.setRequestMethod("POST");
            signer.sign("POST", path, null).forEach(c::setRequestProperty);
            c.setDoOutput(true);
            long total = 0;
            for (ChunkRef ch : recipe.chunks()) {
                total += 36 + ch.size();
            }
            c.setFixedLengthStreamingMode(total);
            DataOutputStream out = new DataOutputStream(c.getOutputStream());
            long off = 0;
            for (ChunkRef ch : recipe.chunks()) {
                if (off > memory.length / 2) {
                    break;
                }
                out.write(ch.digest().bytes());
                out.writeInt(ch.size());
                out.write(memory, (int) off, ch.size());
                off += ch.size();
            }
            out.flush();
            Path partial = targetRoot.resolve("transfers").resolve(layer.hex()).resolve("partial");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> Files.exists(partial) && Files.size(partial) > memory.length / 4);
            target.kill9();
            c.disconnect();
        }
        try (StoreProcess target = StoreProcess.start(targetRoot, key, creds, dir.resolve("target2.log"))) {
            assertThat(status(target.url + "/v2/ckpt/redis/blobs/" + layer)).isEqualTo(404);
            assertThat(status(target.url + "/v2/ckpt/redis/manifests/1")).isEqualTo(404);
            PeerClient peer = new PeerClient(target.url, signer);
            ReplicationReport r = new Replicator(source).push(peer, "ckpt/redis", "1", "redis", 1);
            assertThat(r.wireBytes()).as("resumed, not restarted").isLessThan(memory.length * 3L / 4);
            assertThat(status(target.url + "/v2/ckpt/redis/manifests/1")).isEqualTo(200);
            var blob = http.send(
                    HttpRequest.newBuilder(URI.create(target.url + "/v2/ckpt/redis/blobs/" + layer))
                            .header("Authorization", BASIC)
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(Digest.of(blob.body())).isEqualTo(layer);
            assertThatThrownBy(() -> peer.putManifest(
                            "ckpt/redis", "bad", TestImage.random(9, 10).manifest, MediaTypes.MANIFEST))
                    .hasMessageContaining("MANIFEST_BLOB_UNKNOWN");
        }
    }
}
