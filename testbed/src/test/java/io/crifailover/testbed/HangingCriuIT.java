package io.crifailover.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crifailover.failover.PodEvents;
import io.crifailover.protos.cri.ContainerStatusRequest;
import io.crifailover.protos.cri.ListContainersRequest;
import io.crifailover.testsupport.TestImages;
import io.fabric8.kubernetes.api.model.Event;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A checkpoint can never hang a node: a four-node bed (real containerd, runc, CRIU, BFT-SMaRt replicas), two
 * protected counters on node-1, and a {@code criu} stand-in first on containerd's PATH that, for the runtime's checkpoint of
 * the "hung" container only, ptrace-attaches to its init and never answers (what a CRIU stuck on a breakpoint
 * does). The runtime checkpoint runs past its deadline (floor lowered to 4 s): a {@code CheckpointFailed} Event, the
 * container shown stuck, no second dump of it while the hung one holds it, kubelet calls and the other container's
 * checkpoints flowing; once the hung dump ends the container is checkpointed again.
 */
@Tag("integration")
class HangingCriuIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aHungDumpTimesOutOnceAndHoldsUpNothingElse() throws Exception {
        Path dir = Files.createTempDirectory(
                Path.of("/tmp"),
                "crif-hang-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path hangList = Files.writeString(dir.resolve("hang.list"), "");
        Path hangLog = Files.writeString(dir.resolve("hang.log"), "");
        Path bin = installStandIn(dir, hangList, hangLog);
        boolean passed = false;
        FailoverBed.Options options =
                new FailoverBed.Options(4, java.util.Map.of(), null, bin, List.of("--checkpoint-timeout-floor", "4s"));
        try (FailoverBed bed = FailoverBed.start(options)) {
            BedNode node = bed.node("node-1");
            JsonNode criu = StatusPage.read(node).path("criu");
            assertThat(criu.path("ready").asBoolean()).as(criu.toString()).isTrue();
            await("placement knows every node as CRIU ready")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(250))
                    .ignoreExceptions()
                    .until(() -> {
                        JsonNode cluster = StatusPage.read(node).path("cluster");
                        int ready = 0;
                        for (JsonNode n : cluster) {
                            ready += n.path("criuReady").asBoolean() ? 1 : 0;
                        }
                        return ready == 4;
                    });

            bed.createProtectedPod("hung", "node-1", TestImages.shared().counterImage(), "1s");
            bed.createProtectedPod("healthy", "node-1", TestImages.shared().counterImage(), "1s");
            String hung = awaitContainer(bed, "hung");
            String healthy = awaitContainer(bed, "healthy");
            long initPid = JSON.readTree(node.containerd()
                            .cri()
                            .runtime()
                            .withDeadlineAfter(5, TimeUnit.SECONDS)
                            .containerStatus(ContainerStatusRequest.newBuilder()
                                    .setContainerId(hung)
                                    .setVerbose(true)
                                    .build())
                            .getInfoMap()
                            .get("info"))
                    .path("pid")
                    .asLong();
            Files.writeString(hangList, hung + " " + initPid + "\n");

            PodEventsView events = new PodEventsView(bed.kube());
            await("CheckpointFailed event on the hung pod")
                    .atMost(Duration.ofSeconds(40))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> failedEvents(events).stream()
                            .anyMatch(e -> e.getMessage().contains("did not finish within 4000 ms")));
            JsonNode stuck = protectedEntry(StatusPage.read(node), hung);
            assertThat(stuck.path("stuck").asBoolean()).as(stuck.toString()).isTrue();
            assertThat(stuck.path("stuckCheckpoint").path("evidence").asText()).isNotEmpty();

            long healthyBefore = lastSequence(node, healthy);
            List<Long> callMillis = new ArrayList<>();
            await("the healthy container keeps being checkpointed")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        long start = System.nanoTime();
                        node.cri()
                                .runtime()
                                .withDeadlineAfter(5, TimeUnit.SECONDS)
                                .listContainers(ListContainersRequest.getDefaultInstance());
                        callMillis.add((System.nanoTime() - start) / 1_000_000);
                        return lastSequence(node, healthy) >= healthyBefore + 3;
                    });
            assertThat(callMillis)
                    .as("kubelet calls through the shim during the hang")
                    .allMatch(ms -> ms < 1000);
            assertThat(Files.readAllLines(hangLog))
                    .as("no second dump of the hung container while the first holds it")
                    .hasSize(1);
            assertThat(failedEvents(events)).hasSize(1);
            assertThat(protectedEntry(StatusPage.read(node), hung).path("stuck").asBoolean())
                    .isTrue();

            long hungSequence = stuck.path("lastSequence").asLong(0);
            Files.writeString(hangList, "");
            killHung(hangLog);
            await("the hung container is checkpointed again once its dump ended")
                    .atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(250))
                    .ignoreExceptions()
                    .until(() -> {
                        JsonNode entry = protectedEntry(StatusPage.read(node), hung);
                        return !entry.path("stuck").asBoolean()
                                && entry.path("lastSequence").asLong(0) > hungSequence;
                    });
            passed = true;
        } finally {
            killHung(hangLog);
            if (passed) {
                io.crifailover.testsupport.Files2.deleteTree(dir);
            } else {
                System.err.println("HangingCriuIT failed: stand-in files kept in " + dir);
            }
        }
    }

    /** {@code bin/criu}: for a checkpoint of a container in the list, seize its init and never answer. */
    private static Path installStandIn(Path dir, Path hangList, Path hangLog) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path criu = bin.resolve("criu");
        Files.writeString(
                criu,
                String.join(
                        "\n",
                        "#!/bin/sh",
                        "args=$(tr '\\0' ' ' < /proc/$PPID/cmdline 2>/dev/null)",
                        "while read -r id pid; do",
                        "  case \"$args\" in",
                        "    *checkpoint*\" $id\"*)",
                        "      echo \"$$ $id\" >> " + hangLog,
                        "      exec perl -e 'syscall(101, 0x4206, $ARGV[0] + 0, 0, 0) == 0 or die \"ptrace: $!\";"
                                + " sleep 300' \"$pid\" ;;",
                        "  esac",
                        "done < " + hangList,
                        "exec /usr/sbin/criu \"$@\"",
                        ""));
        Files.setPosixFilePermissions(criu, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin;
    }

    private static void killHung(Path hangLog) throws IOException {
        if (!Files.exists(hangLog)) {
            return;
        }
        for (String line : Files.readAllLines(hangLog)) {
            long pid = Long.parseLong(line.split(" ")[0]);
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private static String awaitContainer(FailoverBed bed, String pod) {
        String[] id = new String[1];
        await(pod + " started")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    id[0] = bed.appContainer("node-1", pod).orElse(null);
                    return id[0] != null;
                });
        return id[0];
    }

    private static List<Event> failedEvents(PodEventsView events) {
        return events.of("default", "hung").stream()
                .filter(e -> PodEvents.CHECKPOINT_FAILED.equals(e.getReason()))
                .toList();
    }

    private static JsonNode protectedEntry(JsonNode status, String containerId) {
        for (JsonNode c : status.path("protected")) {
            if (c.path("containerId").asText().equals(containerId)) {
                return c;
            }
        }
        return JSON.createObjectNode();
    }

    private static long lastSequence(BedNode node, String containerId) throws IOException {
        return protectedEntry(StatusPage.read(node), containerId)
                .path("lastSequence")
                .asLong(0);
    }
}
