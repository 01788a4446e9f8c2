package io.crifailover.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.crifailover.oci.Digest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real skopeo and curl against the store over loopback: oci: layout -> store (authenticated push), an anonymous
 * pull refused with 401, and store -> dir: with the runtime's credential.
 */
@Tag("integration")
class SkopeoIT {
    @TempDir
    Path dir;

    @Test
    void copiesIntoAndOutOfTheStore() throws Exception {
        CheckpointStore store = CheckpointStore.open(dir.resolve("store"));
        TestImage img = TestImage.random(42, 3 << 20, 1000);
        OciLayout.write(img, dir.resolve("layout"), "v1");
        RuntimeCredentials runtime = RuntimeCredentials.create(dir.resolve("runtime-credentials"));
        try (StoreServer server = StoreServer.start(
                store,
                new AccessPolicy(null, Map.of("admin", "s3cret"), runtime),
                List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))) {
            String registry = server.url().substring("http://".length());
            Duration t = Duration.ofMinutes(2);
            Processes.Result anonymous = Processes.run(
                    t,
                    "skopeo",
                    "copy",
                    "--dest-tls-verify=false",
                    "oci:" + dir.resolve("layout") + ":v1",
                    "docker://" + registry + "/ckpt/app:v1");
            assertThat(anonymous.exit()).as(anonymous.output()).isNotZero();
            assertThat(store.manifest("ckpt/app", "v1")).isEmpty();

            Processes.check(
                    t,
                    "skopeo",
                    "copy",
                    "--preserve-digests",
                    "--dest-tls-verify=false",
                    "--dest-creds",
                    "admin:s3cret",
                    "oci:" + dir.resolve("layout") + ":v1",
                    "docker://" + registry + "/ckpt/app:v1");
            assertThat(store.manifest("ckpt/app", "v1"))
                    .get()
                    .extracting(StoredManifest::digest)
                    .isEqualTo(img.manifestDigest());

            Path out = dir.resolve("out");
            Processes.Result anonymousPull = Processes.run(
                    t,
                    "skopeo",
                    "copy",
                    "--src-tls-verify=false",
                    "docker://" + registry + "/ckpt/app:v1",
                    "dir:" + dir.resolve("anonymous"));
            assertThat(anonymousPull.exit()).as(anonymousPull.output()).isNotZero();
            assertThat(anonymousPull.output()).containsIgnoringCase("unauthorized");
            for (String path :
                    List.of("/v2/ckpt/app/manifests/v1", "/v2/ckpt/app/blobs/" + Digest.of(img.layers.get(0)))) {
                String code =
                        Processes.check(t, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", server.url() + path);
                assertThat(code).as("anonymous GET " + path + " over loopback").isEqualTo("401");
            }

            RuntimeCredentials.Credential c = runtime.current();
            Processes.check(
                    t,
                    "skopeo",
                    "copy",
                    "--src-tls-verify=false",
                    "--src-creds",
                    c.user() + ":" + c.password(),
                    "docker://" + registry + "/ckpt/app:v1",
                    "dir:" + out);
            assertThat(Files.readAllBytes(out.resolve("manifest.json"))).isEqualTo(img.manifest);
            assertThat(Files.readAllBytes(
                            out.resolve(Digest.of(img.layers.get(0)).hex())))
                    .isEqualTo(img.layers.get(0));
            String inspect = Processes.check(
                    t,
                    "skopeo",
                    "inspect",
                    "--raw",
                    "--tls-verify=false",
                    "--creds",
                    "admin:s3cret",
                    "docker://" + registry + "/ckpt/app:v1");
            assertThat(inspect.trim()).isEqualTo(new String(img.manifest).trim());
        }
    }
}
