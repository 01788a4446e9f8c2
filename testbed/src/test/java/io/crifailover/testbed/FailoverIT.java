package io.crifailover.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.crifailover.failover.PodEvents;
import io.crifailover.protos.cri.ContainerState;
import io.crifailover.protos.cri.ContainerStatusRequest;
import io.crifailover.protos.cri.ListPodSandboxRequest;
import io.crifailover.testsupport.TestImages;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The mission, end to end on four simulated nodes: real containerd, runc and CRIU in network
 * namespaces, real shims with their stores and BFT-SMaRt replicas, kubelet stand-ins, and the
 * fabric8 mock API.
 */
@Tag("integration")
class FailoverIT {
    private static final List<String> FULL = List.of("fpu", "sse2", "avx", "avx2");
    private static final List<String> NO_AVX2 = List.of("fpu", "sse2", "avx");

    @Test
    void cutOffNodeFailsOverToACompatibleNodeAndTheCounterContinues() {
        var options = new FailoverBed.Options(
                4, Map.of("node-1", FULL, "node-2", NO_AVX2, "node-3", FULL, "node-4", FULL), null);
        try (FailoverBed bed = FailoverBed.start(options)) {
            PodEventsView events = new PodEventsView(bed.kube());
            bed.createProtectedPod("counter", "node-1", TestImages.shared().counterImage(), "1s");
            String oldId = await().atMost(Duration.ofSeconds(60))
                    .until(() -> bed.appContainer("node-1", "counter").orElse(null), id -> id != null);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> events.count("default", "counter", PodEvents.CHECKPOINTED) >= 2);

            // an exec fails while a checkpoint has the container paused: read again
            long beforeCheckpoint = await().atMost(Duration.ofSeconds(10))
                    .ignoreExceptions()
                    .until(() -> bed.node("node-1").cri().counter(oldId), v -> v >= 0);
            long checkpoints = events.count("default", "counter", PodEvents.CHECKPOINTED);
            // the second checkpoint to finish from now started after this read (never two at once)
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> events.count("default", "counter", PodEvents.CHECKPOINTED) > checkpoints + 1);

            bed.cutOff("node-1");

            String target = await().atMost(Duration.ofSeconds(30))
                    .until(() -> bed.nodeOf("counter").orElse("node-1"), n -> !n.equals("node-1"));
            assertThat(target).as("node-2 lacks avx2: never a target").isNotEqualTo("node-2");
            String newId = await().atMost(Duration.ofSeconds(60))
                    .until(() -> bed.appContainer(target, "counter").orElse(null), id -> id != null);
            long restored = await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(() -> bed.node(target).cri().counter(newId), v -> v > 0);
            assertThat(restored)
                    .as("restored counter continues from the last checkpoint, not from 1")
                    .isGreaterThanOrEqualTo(beforeCheckpoint);

            var old = bed.node("node-1")
                    .containerd()
                    .cri()
                    .runtime()
                    .containerStatus(ContainerStatusRequest.newBuilder()
                            .setContainerId(oldId)
                            .build())
                    .getStatus();
            var fresh = bed.node(target)
                    .containerd()
                    .cri()
                    .runtime()
                    .containerStatus(ContainerStatusRequest.newBuilder()
                            .setContainerId(newId)
                            .build())
                    .getStatus();
            assertThat(old.getState())
                    .as("the cut-off node fenced its copy")
                    .isEqualTo(ContainerState.CONTAINER_EXITED);
            assertThat(old.getFinishedAt())
                    .as("old copy stopped before the restored one started")
                    .isLessThan(fresh.getStartedAt());
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> events.count("default", "counter", PodEvents.RESTORED) >= 1);
        }
    }

    @Test
    void redisKeepsEveryKeyWrittenBeforeTheLastCheckpoint() {
        try (FailoverBed bed = FailoverBed.start(FailoverBed.Options.defaults())) {
            PodEventsView events = new PodEventsView(bed.kube());
            String redisImage = TestImages.shared().redisImage();
            bed.createProtectedPod("redis", "node-1", redisImage, "1s");
            String id = await().atMost(Duration.ofSeconds(60))
                    .until(() -> bed.appContainer("node-1", "redis").orElse(null), c -> c != null);
            var cri = bed.node("node-1").cri();
            await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(() -> cri.exec(id, "redis-cli", "-s", "/data/redis.sock", "ping")
                            .contains("PONG"));
            // an exec fails while a checkpoint has the container paused: the writes are idempotent, repeat them
            await().atMost(Duration.ofSeconds(60))
                    .ignoreExceptions()
                    .until(
                            () -> {
                                cri.exec(
                                        id,
                                        "sh",
                                        "-c",
                                        "for i in $(seq 1 200); do redis-cli -s /data/redis.sock set key$i value$i >/dev/null; done");
                                return cri.exec(id, "redis-cli", "-s", "/data/redis.sock", "dbsize")
                                        .trim();
                            },
                            "200"::equals);
            long checkpoints = events.count("default", "redis", PodEvents.CHECKPOINTED);
            // the first checkpoint to finish may have started during the writes; the one after it
            // started after it ended (never two at once), so it holds every key
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> events.count("default", "redis", PodEvents.CHECKPOINTED) > checkpoints + 1);

            bed.cutOff("node-1");

            String target = await().atMost(Duration.ofSeconds(30))
                    .until(() -> bed.nodeOf("redis").orElse("node-1"), n -> !n.equals("node-1"));
            String restored = await().atMost(Duration.ofSeconds(60))
                    .until(() -> bed.appContainer(target, "redis").orElse(null), c -> c != null);
            var targetCri = bed.node(target).cri();
            String dbsize = await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(
                            () -> targetCri
                                    .exec(restored, "redis-cli", "-s", "/data/redis.sock", "dbsize")
                                    .trim(),
                            v -> !v.isEmpty());
            assertThat(dbsize)
                    .as("every key written before the last checkpoint")
                    .isEqualTo("200");
            assertThat(targetCri
                            .exec(restored, "redis-cli", "-s", "/data/redis.sock", "get", "key137")
                            .trim())
                    .isEqualTo("value137");
        }
    }

    @Test
    void oneNodeThatCannotSeeAHealthyNodeCausesNoFailover() {
        try (FailoverBed bed = FailoverBed.start(FailoverBed.Options.defaults())) {
            PodEventsView events = new PodEventsView(bed.kube());
            bed.createProtectedPod("steady", "node-1", TestImages.shared().counterImage(), "1s");
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> events.count("default", "steady", PodEvents.CHECKPOINTED) >= 1);

            // node-4 alone loses sight of node-1: it suspects node-1, everyone else sees it healthy
            String node1 = bed.node("node-1").netns().address();
            bed.node("node-4")
                    .netns()
                    .exec("iptables", "-I", "OUTPUT", "-d", node1, "-j", "DROP")
                    .orThrow();
            long checkpoints = events.count("default", "steady", PodEvents.CHECKPOINTED);
            // long enough for many detection rounds (3 x 100 ms) and a fence wait
            await().pollDelay(Duration.ofSeconds(5))
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> true);

            assertThat(bed.nodeOf("steady")).contains("node-1");
            assertThat(events.count("default", "steady", PodEvents.RESTORING)).isZero();
            assertThat(events.count("default", "steady", PodEvents.FENCED)).isZero();
            assertThat(events.count("default", "steady", PodEvents.CHECKPOINTED))
                    .as("protection goes on")
                    .isGreaterThan(checkpoints);
        }
    }

    @Test
    void aDeletedPodIsNeverRestored() {
        try (FailoverBed bed = FailoverBed.start(FailoverBed.Options.defaults())) {
            PodEventsView events = new PodEventsView(bed.kube());
            bed.createProtectedPod("deleted", "node-1", TestImages.shared().counterImage(), "1s");
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> events.count("default", "deleted", PodEvents.CHECKPOINTED) >= 2);
            bed.kube().pods().inNamespace("default").withName("deleted").delete();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> bed.appContainer("node-1", "deleted").isEmpty());
            // the shim tells placement once the sandbox is gone; give that call a moment
            await().pollDelay(Duration.ofSeconds(1)).until(() -> true);

            bed.cutOff("node-1");
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> "FAILED"
                            .equals(StatusPage.memberStatuses(bed.node("node-2"))
                                    .get("node-1")));
            await("no restore decision for the deleted pod")
                    .during(Duration.ofSeconds(3))
                    .atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> decisionsFor(bed.node("node-2"), "deleted") == 0);
            assertThat(bed.kube()
                            .pods()
                            .inNamespace("default")
                            .withName("deleted")
                            .get())
                    .isNull();
            assertThat(events.count("default", "deleted", PodEvents.RESTORING)).isZero();
        }
    }

    private static long decisionsFor(BedNode node, String pod) throws java.io.IOException {
        long n = 0;
        for (var d : StatusPage.read(node).path("decisions")) {
            n += d.path("container").asText().contains("/" + pod + "/") ? 1 : 0;
        }
        return n;
    }

    private static boolean hasEntries(java.nio.file.Path dir) throws java.io.IOException {
        if (!java.nio.file.Files.isDirectory(dir)) {
            return false;
        }
        try (var entries = java.nio.file.Files.list(dir)) {
            return entries.findAny().isPresent();
        }
    }

    @Test
    void shimKilledMidCheckpointKeepsServingKubeletAndResumesProtection() {
        try (FailoverBed bed = FailoverBed.start(FailoverBed.Options.defaults())) {
            PodEventsView events = new PodEventsView(bed.kube());
            bed.createProtectedPod("phoenix", "node-1", TestImages.shared().counterImage(), "1s");
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> events.count("default", "phoenix", PodEvents.CHECKPOINTED) >= 1);

            BedNode node1 = bed.node("node-1");
            java.nio.file.Path work = bed.dir().resolve("node-1/state/work");
            await("a checkpoint in progress")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> hasEntries(work));
            node1.shim().kill();
            node1.shim().launch();

            // kubelet relists every second: its calls succeed again without anyone's help
            await("kubelet-facing calls work again")
                    .atMost(Duration.ofSeconds(10))
                    .ignoreExceptions()
                    .until(() -> !node1.cri()
                            .runtime()
                            .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                            .getItemsList()
                            .isEmpty());
            long after = events.count("default", "phoenix", PodEvents.CHECKPOINTED);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> events.count("default", "phoenix", PodEvents.CHECKPOINTED) > after);
        }
    }
}
