package io.crifailover.sniffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.crifailover.protos.cri.PodSandboxConfig;
import io.crifailover.testsupport.ContainerdNode;
import io.crifailover.testsupport.CriClient;
import io.crifailover.testsupport.TestImages;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** containerd's CRI CheckpointContainer and a restore from the archive, with the stand-in first on containerd's PATH. */
@Tag("integration")
class ContainerdThroughSnifferTest {
    @TempDir
    Path tmp;

    @Test
    void criCheckpointAndRestoreFromTheArchiveAreTranscribed() throws Exception {
        StandIn standIn = StandIn.install(tmp.resolve("standin"), "/usr/sbin/criu");
        standIn.sniffSwitch().on();
        try (ContainerdNode node = ContainerdNode.start(
                ContainerdNode.options().name("sniff").pathPrefix(standIn.home().resolve("bin")))) {
            CriClient cri = node.cri();
            String id = startCounter(cri, "sniff-src", TestImages.shared().counterImage());
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> cri.counter(id) >= 5);
            Path archive = node.workDir().resolve("counter.tar");
            cri.checkpoint(id, archive);
            long checkpointed = cri.counter(id);

            Transcript dump = find(standIn, "DUMP");
            assertThat(dump.outline())
                    .containsSubsequence(
                            "request DUMP", "notify pre-dump", "notify network-lock", "notify post-dump", "reply DUMP");
            assertThat(dump.reply())
                    .get()
                    .extracting(n -> n.get("success").asBoolean())
                    .isEqualTo(true);
            assertThat(dump.entries().stream()
                            .filter(n -> n.has("opts"))
                            .findFirst()
                            .orElseThrow()
                            .get("opts")
                            .get("leave_running")
                            .asBoolean())
                    .isTrue();

            String restored;
            try {
                restored = startCounter(cri, "sniff-dst", archive.toString());
            } catch (RuntimeException ex) {
                throw new AssertionError("restore failed; transcripts:\n" + allTranscripts(standIn), ex);
            }
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> cri.counter(restored) > checkpointed);
            Transcript restore = find(standIn, "RESTORE");
            assertThat(restore.outline())
                    .containsSubsequence(
                            "request RESTORE",
                            "notify setup-namespaces",
                            "notify post-restore",
                            "notify network-unlock",
                            "notify post-resume",
                            "reply RESTORE");
            JsonNode reply = restore.reply().orElseThrow();
            assertThat(reply.get("success").asBoolean()).isTrue();
            assertThat(reply.get("restored_pid").asInt()).isPositive();
        }
    }

    private static String startCounter(CriClient cri, String podName, String image) {
        PodSandboxConfig pod = cri.podConfig(podName, Map.of());
        String podId = cri.runPod(pod);
        String id = cri.createContainer(podId, pod, "counter", image);
        cri.startContainer(id);
        return id;
    }

    private static String allTranscripts(StandIn standIn) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (Path f : new CaptureStore(standIn.captures()).files()) {
            sb.append(Transcript.of(Capture.read(f)).render());
        }
        return sb.toString();
    }

    private static Transcript find(StandIn standIn, String type) throws Exception {
        List<Transcript> matching = new ArrayList<>();
        for (Path f : new CaptureStore(standIn.captures()).files()) {
            Transcript t = Transcript.of(Capture.read(f));
            if (t.requestType().equals(type)) {
                matching.add(t);
            }
        }
        assertThat(matching).as("captures of type " + type).isNotEmpty();
        return matching.get(matching.size() - 1);
    }
}
