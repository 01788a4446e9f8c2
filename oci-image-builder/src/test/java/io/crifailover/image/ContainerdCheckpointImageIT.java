package io.crifailover.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.crifailover.image.meta.RuntimeFlavour;
import io.crifailover.protos.cri.ContainerStatusRequest;
import io.crifailover.protos.cri.PodSandboxConfig;
import io.crifailover.testsupport.ContainerdNode;
import io.crifailover.testsupport.CriClient;
import io.crifailover.testsupport.TestImages;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The acceptance path with real containerd, runc and CRIU: checkpoint the counter through CRI, pack
 * the archive into a checkpoint image, push it to the registry, create a container from the image in
 * a new pod; the restored counter continues. Also: the unpacked archive is read by checkpointctl and
 * restored by containerd as a file.
 */
@Tag("integration")
class ContainerdCheckpointImageIT {

    @Test
    void counterRestoredFromPushedCheckpointImageContinues() throws Exception {
        TestImages images = TestImages.shared();
        try (ContainerdNode node = ContainerdNode.start("oib")) {
            CriClient cri = node.cri();
            Path work = node.workDir();
            String source = runCounter(node, "counter-src", images.counterImage());
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> cri.counter(source) >= 50);
            long before = cri.counter(source);
            Path archive = work.resolve("counter.tar");
            cri.checkpoint(source, archive);

            Path layout = work.resolve("layout");
            CheckpointImage image = CheckpointImageBuilder.build(
                    archive,
                    CheckpointMetadata.builder().sourceNode("oib").sequence(1).build(),
                    layout);
            assertThat(image.info().flavour()).isEqualTo(RuntimeFlavour.CONTAINERD);
            assertThat(image.info().identity().containerName()).isEqualTo("counter");
            assertThat(image.info().stats()).isNotNull();
            assertThat(image.annotations())
                    .containsEntry(CheckpointAnnotations.CRIU_CHECKPOINT_NAME, "counter")
                    .containsEntry(CheckpointAnnotations.POD, "counter-src");

            String ref = images.registry() + "/crif/counter-checkpoint:" + image.tag();
            ExternalTools.Result push = ExternalTools.run(
                    work,
                    "skopeo",
                    "copy",
                    "--dest-tls-verify=false",
                    "oci:" + layout + ":" + image.tag(),
                    "docker://" + ref);
            assertThat(push.exitCode()).as(push.output()).isZero();

            cri.pull(ref);
            String restored = runCounter(node, "counter-restored", ref);
            assertRestored(cri, restored, before);

            Path roundTripped = work.resolve("round-tripped.tar");
            CheckpointImageExtractor.defaults().extract(layout, null, roundTripped);
            ExternalTools.Result show = ExternalTools.run(work, "checkpointctl", "show", roundTripped.toString());
            assertThat(show.exitCode()).as(show.output()).isZero();
            assertThat(show.output()).contains("counter");

            String fromFile = runCounter(node, "counter-from-file", roundTripped.toString());
            assertRestored(cri, fromFile, before);
        }
    }

    /**
     * A restore, not a cold start: containerd marks restored containers, and the very first value read
     * is already at the checkpointed count (a cold start would need 100 ms per step to get there).
     */
    private static void assertRestored(CriClient cri, String id, long checkpointed) {
        Map<String, String> annotations = cri.runtime()
                .containerStatus(
                        ContainerStatusRequest.newBuilder().setContainerId(id).build())
                .getStatus()
                .getAnnotationsMap();
        assertThat(annotations).containsEntry("restored", "true");
        long first = await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> cri.counter(id), value -> value > 0);
        assertThat(first).as("first value after restore").isGreaterThanOrEqualTo(checkpointed);
    }

    /** Runs the counter from {@code image} in a new pod; a failed restore reports CRIU's log tail. */
    private static String runCounter(ContainerdNode node, String podName, String image) {
        CriClient cri = node.cri();
        PodSandboxConfig pod = cri.podConfig(podName, Map.of());
        String podId = cri.runPod(pod);
        String id = cri.createContainer(podId, pod, "counter", image);
        try (CriuRestoreLogCapture restoreLog =
                CriuRestoreLogCapture.start(node.workDir().getParent(), id, Duration.ofMinutes(3))) {
            try {
                cri.startContainer(id);
            } catch (RuntimeException e) {
                throw new AssertionError("start of " + podName + " failed; " + restoreLog.tail(40), e);
            }
        }
        return id;
    }
}
