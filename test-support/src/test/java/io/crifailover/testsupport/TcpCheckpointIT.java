package io.crifailover.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.crifailover.protos.cri.PodSandboxConfig;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * TCP servers through CRI checkpoint and restore on another node (its own network namespace, so the
 * restored pod has another IP), with clients connected while the checkpoint is taken. Read over TCP
 * from the host, as a Service's client would.
 */
@Tag("integration")
class TcpCheckpointIT {
    private static final Duration CALL = Duration.ofSeconds(2);
    private static NetworkNamespace ns1;
    private static NetworkNamespace ns2;
    private static ContainerdNode node1;
    private static ContainerdNode node2;

    @BeforeAll
    static void nodes() {
        ns1 = NetworkNamespace.create("tcp1");
        ns2 = NetworkNamespace.create("tcp2");
        node1 = ContainerdNode.start(ContainerdNode.options().name("tcp1").netns(ns1));
        node2 = ContainerdNode.start(ContainerdNode.options().name("tcp2").netns(ns2));
        Shell.runOk("ip", "route", "replace", node1.podSubnet(), "via", ns1.address());
        Shell.runOk("ip", "route", "replace", node2.podSubnet(), "via", ns2.address());
    }

    @AfterAll
    static void close() {
        if (node1 != null) {
            Shell.run("ip", "route", "del", node1.podSubnet());
            node1.close();
        }
        if (node2 != null) {
            Shell.run("ip", "route", "del", node2.podSubnet());
            node2.close();
        }
        if (ns1 != null) {
            ns1.close();
        }
        if (ns2 != null) {
            ns2.close();
        }
    }

    @Test
    void redisOnTcpKeepsItsKeysAcrossNodesWhileAClientIsConnected() throws Exception {
        Running source = run(node1, "redis-src", TestImages.shared().redisImage());
        InetSocketAddress before = new InetSocketAddress(source.ip(), TestImages.REDIS_PORT);
        try (RedisClient idle = await().atMost(Duration.ofSeconds(20))
                        .ignoreExceptions()
                        .until(() -> connectedRedis(before), c -> c != null);
                RedisClient writer = RedisClient.connect(before, CALL)) {
            for (int i = 1; i <= 200; i++) {
                writer.call(CALL, "SET", "key" + i, "value" + i);
            }
            assertThat(idle.callLong(CALL, "DBSIZE")).isEqualTo(200);

            Path archive = checkpointAndCopy(source.containerId(), "redis.tar");
            assertThat(idle.callString(CALL, "PING"))
                    .as("a client connected during the checkpoint keeps its connection to the running source")
                    .isEqualTo("PONG");

            Running restored = restore(node2, archive, "redis-dst");
            assertThat(restored.ip()).isNotEqualTo(source.ip());
            InetSocketAddress after = new InetSocketAddress(restored.ip(), TestImages.REDIS_PORT);
            try (RedisClient client = await().atMost(Duration.ofSeconds(20))
                    .ignoreExceptions()
                    .until(() -> connectedRedis(after), c -> c != null)) {
                assertThat(client.callLong(CALL, "DBSIZE")).isEqualTo(200);
                assertThat(client.callString(CALL, "GET", "key137")).isEqualTo("value137");
            }
        }
    }

    @Test
    void counterServesHttpAfterRestoreOnAnotherNode() throws Exception {
        Running source = run(node1, "counter-src", TestImages.shared().counterImage());
        InetSocketAddress before = new InetSocketAddress(source.ip(), TestImages.HTTP_PORT);
        long checkpointed =
                await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> count(before), v -> v >= 10);

        Path archive = checkpointAndCopy(source.containerId(), "counter.tar");

        Running restored = restore(node2, archive, "counter-dst");
        InetSocketAddress after = new InetSocketAddress(restored.ip(), TestImages.HTTP_PORT);
        long value = await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> count(after), v -> v > 0);
        assertThat(value).as("continues from the checkpoint").isGreaterThan(checkpointed);
    }

    @Test
    void visitsAppKeepsItsCountAcrossNodes() throws Exception {
        Running source = run(node1, "visits-src", TestImages.shared().visitsImage());
        InetSocketAddress before = new InetSocketAddress(source.ip(), TestImages.HTTP_PORT);
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> visit(before), v -> v > 0);
        long last = 0;
        for (int i = 0; i < 5; i++) {
            last = visit(before);
        }

        Path archive = checkpointAndCopy(source.containerId(), "visits.tar");

        Running restored = restore(node2, archive, "visits-dst");
        InetSocketAddress after = new InetSocketAddress(restored.ip(), TestImages.HTTP_PORT);
        long next = await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> visit(after), v -> v > 0);
        assertThat(next)
                .as("the visit after the restore counts on from the checkpoint")
                .isEqualTo(last + 1);
    }

    private record Running(String podId, String containerId, String ip) {}

    private static Running run(ContainerdNode node, String podName, String image) {
        CriClient cri = node.cri();
        if (!image.startsWith("/")) {
            cri.pull(image);
        }
        PodSandboxConfig pod = cri.podConfig(podName, Map.of());
        String podId = cri.runPod(pod);
        String id = cri.createContainer(podId, pod, "app", image);
        cri.startContainer(id);
        return new Running(podId, id, cri.podIp(podId));
    }

    private static Running restore(ContainerdNode node, Path archive, String podName) {
        return run(node, podName, archive.toString());
    }

    private static Path checkpointAndCopy(String containerId, String name) throws Exception {
        Path archive = node1.workDir().resolve(name);
        node1.cri().checkpoint(containerId, archive);
        Path copy = node2.workDir().resolve(name);
        Files.copy(archive, copy);
        return copy;
    }

    private static RedisClient connectedRedis(InetSocketAddress server) throws Exception {
        RedisClient c = RedisClient.connect(server, CALL);
        try {
            if ("PONG".equals(c.callString(CALL, "PING"))) {
                return c;
            }
        } catch (Exception e) {
            c.close();
            throw e;
        }
        c.close();
        return null;
    }

    private static long count(InetSocketAddress server) throws Exception {
        return Long.parseLong(HttpText.get(server, "/count", CALL).trim());
    }

    private static long visit(InetSocketAddress server) throws Exception {
        return Long.parseLong(HttpText.get(server, "/cgi-bin/visits", CALL).trim());
    }
}
