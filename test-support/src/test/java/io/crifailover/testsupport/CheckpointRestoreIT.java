package io.crifailover.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.crifailover.protos.cri.PodSandboxConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The runtime facts everything else builds on: CRI checkpoint and restore with real containerd, runc and CRIU. */
@Tag("integration")
class CheckpointRestoreIT {

    @Test
    void restoredCounterContinuesFromCheckpointOnSameNode() throws Exception {
        try (ContainerdNode node = ContainerdNode.start("single")) {
            CriClient cri = node.cri();
            String id = runCounter(cri, "counter-src");
            long checkpointed = waitForCount(cri, id, 10);
            Path archive = node.workDir().resolve("counter.tar");
            cri.checkpoint(id, archive);
            long atCheckpoint = cri.counter(id);
            assertThat(Files.size(archive)).isPositive();
            assertThat(atCheckpoint)
                    .as("source keeps running after the checkpoint")
                    .isGreaterThanOrEqualTo(checkpointed);

            String restored = restore(cri, archive, "counter-restored");
            await().atMost(Duration.ofSeconds(20))
                    .untilAsserted(() -> assertThat(cri.counter(restored)).isGreaterThan(checkpointed));
        }
    }

    @Test
    void restoresOnAnotherNodeInItsOwnNetworkNamespace() throws Exception {
        try (NetworkNamespace ns1 = NetworkNamespace.create("n1");
                NetworkNamespace ns2 = NetworkNamespace.create("n2");
                ContainerdNode node1 =
                        ContainerdNode.start(ContainerdNode.options().name("n1").netns(ns1));
                ContainerdNode node2 =
                        ContainerdNode.start(ContainerdNode.options().name("n2").netns(ns2))) {
            String id = runCounter(node1.cri(), "counter-n1");
            long checkpointed = waitForCount(node1.cri(), id, 10);
            Path archive = node1.workDir().resolve("counter.tar");
            node1.cri().checkpoint(id, archive);
            Path copy = node2.workDir().resolve("counter.tar");
            Files.copy(archive, copy);

            String restored = restore(node2.cri(), copy, "counter-n2");
            await().atMost(Duration.ofSeconds(20))
                    .untilAsserted(
                            () -> assertThat(node2.cri().counter(restored)).isGreaterThan(checkpointed));
            assertThat(ns2.exec("ip", "-4", "addr", "show", "eth0").output()).contains(ns2.address());
        }
    }

    static String runCounter(CriClient cri, String podName) {
        PodSandboxConfig pod = cri.podConfig(podName, Map.of());
        String podId = cri.runPod(pod);
        String id =
                cri.createContainer(podId, pod, "counter", TestImages.shared().counterImage());
        cri.startContainer(id);
        return id;
    }

    static long waitForCount(CriClient cri, String id, long atLeast) {
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> cri.counter(id) >= atLeast);
        return cri.counter(id);
    }

    static String restore(CriClient cri, Path archive, String podName) {
        PodSandboxConfig pod = cri.podConfig(podName, Map.of());
        String podId = cri.runPod(pod);
        String id = cri.createContainer(podId, pod, "counter", archive.toString());
        cri.startContainer(id);
        return id;
    }
}
