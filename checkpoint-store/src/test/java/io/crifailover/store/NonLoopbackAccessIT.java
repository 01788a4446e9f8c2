package io.crifailover.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.crifailover.oci.Digest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A network namespace the test creates (and deletes), linked to the host by a veth pair: the store listens on
 * the host end, a client (curl, skopeo) runs inside the namespace, so its source address is not loopback.
 */
@Tag("integration")
class NonLoopbackAccessIT {
    private static final String IFACE = "crifst" + (ProcessHandle.current().pid() % 10000);
    private static final String NETNS = IFACE + "ns";
    private static final String ADDR = "10.213.77.1";
    private static final String CLIENT = "10.213.77.2";
    private static final Duration T = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @BeforeEach
    void createNamespace() throws Exception {
        deleteNamespace();
        Processes.check(T, "ip", "netns", "add", NETNS);
        Processes.check(T, "ip", "link", "add", IFACE, "type", "veth", "peer", "name", IFACE + "p");
        Processes.check(T, "ip", "link", "set", IFACE + "p", "netns", NETNS);
        Processes.check(T, "ip", "addr", "add", ADDR + "/30", "dev", IFACE);
        Processes.check(T, "ip", "link", "set", IFACE, "up");
        Processes.check(T, "ip", "-n", NETNS, "addr", "add", CLIENT + "/30", "dev", IFACE + "p");
        Processes.check(T, "ip", "-n", NETNS, "link", "set", IFACE + "p", "up");
        Processes.check(T, "ip", "-n", NETNS, "link", "set", "lo", "up");
    }

    @AfterEach
    void deleteNamespace() throws Exception {
        Processes.run(T, "ip", "link", "del", IFACE);
        Processes.run(T, "ip", "netns", "del", NETNS);
    }

    private static Processes.Result curl(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(
                "ip",
                "netns",
                "exec",
                NETNS,
                "curl",
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "--max-time",
                "20"));
        cmd.addAll(List.of(args));
        return Processes.run(T, cmd.toArray(String[]::new));
    }

    @Test
    void anonymousPullFromNonLoopbackIsRefused() throws Exception {
        CheckpointStore store = CheckpointStore.open(dir);
        TestImage img = TestImage.random(5, 1000);
        img.storeInto(store, "ckpt/app", "v1");
        ClusterKey key = new ClusterKey(Base64.getDecoder().decode(ClusterKey.generate()));
        try (StoreServer server = StoreServer.start(
                store,
                new AccessPolicy(key, Map.of("admin", "pw")),
                List.of(new InetSocketAddress(InetAddress.getByName(ADDR), 0)))) {
            String base = server.url();
            assertThat(base).contains(ADDR);
            String[] paths = {
                "/v2/",
                "/v2/ckpt/app/manifests/v1",
                "/v2/ckpt/app/blobs/" + Digest.of(img.layers.get(0)),
                "/v2/ckpt/app/tags/list"
            };
            for (String p : paths) {
                assertThat(curl(base + p).output()).as(p).isEqualTo("401");
            }
            assertThat(curl("-u", "admin:pw", base + paths[1]).output()).isEqualTo("200");
            assertThat(curl("-u", "admin:wrong", base + paths[1]).output()).isEqualTo("401");

            List<String> peer = new java.util.ArrayList<>();
            new HmacSigner(key, "node-b").sign("GET", paths[2], new byte[0]).forEach((k, v) -> {
                peer.add("-H");
                peer.add(k + ": " + v);
            });
            peer.add(base + paths[2]);
            assertThat(curl(peer.toArray(String[]::new)).output()).isEqualTo("200");

            Processes.Result skopeo = Processes.run(
                    Duration.ofMinutes(1),
                    "ip",
                    "netns",
                    "exec",
                    NETNS,
                    "skopeo",
                    "inspect",
                    "--raw",
                    "--tls-verify=false",
                    "docker://" + base.substring(7) + "/ckpt/app:v1");
            assertThat(skopeo.exit()).as(skopeo.output()).isNotZero();
            assertThat(skopeo.output()).containsIgnoringCase("unauthorized");
        }
    }
}
