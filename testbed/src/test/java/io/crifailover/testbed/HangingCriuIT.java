package io.crifailover.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crifailover.failover.ClusterSettings;
import io.crifailover.failover.FailoverConfig;
import io.crifailover.failover.NodeOptIn;
import io.crifailover.failover.PodEvents;
import io.crifailover.failover.ProtectionSettings;
import io.crifailover.protos.cri.ContainerStatusRequest;
import io.crifailover.protos.cri.ListContainersRequest;
import io.crifailover.testsupport.ContainerdNode;
import io.crifailover.testsupport.CriClient;
import io.crifailover.testsupport.NetworkNamespace;
import io.crifailover.testsupport.TestImages;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A checkpoint can never hang a node: one node (real containerd, runc, CRIU, a one-replica placement) with two
 * protected counters, and a {@code criu} stand-in first on containerd's PATH that, for the runtime's checkpoint of
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
        try (KubeApiServer api = KubeApiServer.start();
                NetworkNamespace ns = NetworkNamespace.create("hang")) {
            ns.forwardLoopbackPort(api.port());
            KubernetesClient kube = api.client();
            try (ContainerdNode containerd = ContainerdNode.start(ContainerdNode.options()
                            .name("hang")
                            .netns(ns)
                            .insecureRegistry("127.0.0.1:" + FailoverBed.STORE_PORT)
                            .pathPrefix(bin));
                    ShimProcess shim = startShim(dir, ns, containerd, api);
                    CriClient cri = containerd.criClientFor("unix://" + shim.socket());
                    NodeAgent agent = new NodeAgent(
                                    "node-1", kube, cri, containerd.cgroupParent(), dir.resolve("pod-logs"))
                            .start()) {
                await("CRIU self-check passed")
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(250))
                        .ignoreExceptions()
                        .until(() -> status(ns).path("criu").path("ready").asBoolean());
                assertThat(status(ns).path("cluster").get(0).path("criuReady").asBoolean())
                        .as("placement knows the node as CRIU ready")
                        .isTrue();

                createPod(kube, "hung");
                createPod(kube, "healthy");
                String hung = awaitContainer(agent, "hung");
                String healthy = awaitContainer(agent, "healthy");
                long initPid = JSON.readTree(containerd
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

                PodEventsView events = new PodEventsView(kube);
                await("CheckpointFailed event on the hung pod")
                        .atMost(Duration.ofSeconds(40))
                        .pollInterval(Duration.ofMillis(250))
                        .until(() -> failedEvents(events).stream()
                                .anyMatch(e -> e.getMessage().contains("did not finish within 4000 ms")));
                JsonNode stuck = protectedEntry(status(ns), hung);
                assertThat(stuck.path("stuck").asBoolean()).isTrue();
                assertThat(stuck.path("stuckCheckpoint").path("evidence").asText())
                        .isNotEmpty();

                long healthyBefore = lastSequence(ns, healthy);
                List<Long> callMillis = new ArrayList<>();
                await("the healthy container keeps being checkpointed")
                        .atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> {
                            long start = System.nanoTime();
                            cri.runtime()
                                    .withDeadlineAfter(5, TimeUnit.SECONDS)
                                    .listContainers(ListContainersRequest.getDefaultInstance());
                            callMillis.add((System.nanoTime() - start) / 1_000_000);
                            return lastSequence(ns, healthy) >= healthyBefore + 3;
                        });
                assertThat(callMillis)
                        .as("kubelet calls through the shim during the hang")
                        .allMatch(ms -> ms < 1000);
                assertThat(Files.readAllLines(hangLog))
                        .as("no second dump of the hung container while the first holds it")
                        .hasSize(1);
                assertThat(failedEvents(events)).hasSize(1);
                assertThat(protectedEntry(status(ns), hung).path("stuck").asBoolean())
                        .isTrue();

                long hungSequence = stuck.path("lastSequence").asLong(0);
                Files.writeString(hangList, "");
                killHung(hangLog);
                await("the hung container is checkpointed again once its dump ended")
                        .atMost(Duration.ofSeconds(20))
                        .pollInterval(Duration.ofMillis(250))
                        .ignoreExceptions()
                        .until(() -> {
                            JsonNode entry = protectedEntry(status(ns), hung);
                            return !entry.path("stuck").asBoolean()
                                    && entry.path("lastSequence").asLong(0) > hungSequence;
                        });
            }
        } finally {
            killHung(hangLog);
            io.crifailover.testsupport.Files2.deleteTree(dir);
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
                        "      exec perl -e 'syscall(101, 0x4206, $ARGV[0], 0, 0) == 0 or die \"ptrace: $!\";"
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

    private static ShimProcess startShim(Path dir, NetworkNamespace ns, ContainerdNode containerd, KubeApiServer api)
            throws IOException {
        Path cluster = dir.resolve("cluster.yaml");
        new ClusterSettings(
                        0,
                        FailoverBed.PLACEMENT_PORT,
                        FailoverBed.STORE_PORT,
                        FailoverBed.PROBE_PORT,
                        List.of(new FailoverConfig.Member("node-1", ns.address(), 0)),
                        null)
                .write(cluster);
        Path key = dir.resolve("cluster.key");
        Files.writeString(key, Base64.getEncoder().encodeToString(new byte[32]));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        api.client()
                .nodes()
                .resource(new NodeBuilder()
                        .withNewMetadata()
                        .withName("node-1")
                        .addToAnnotations(NodeOptIn.ANNOTATION, "true")
                        .endMetadata()
                        .build())
                .create();
        return ShimProcess.start(
                ns.path(),
                dir.resolve("shim.sock"),
                dir.resolve("shim.log"),
                List.of(
                        "--listen", "unix://" + dir.resolve("shim.sock"),
                        "--runtime", containerd.endpoint(),
                        "--metrics-address", "127.0.0.1:9464",
                        "--cluster", cluster.toString(),
                        "--node-name", "node-1",
                        "--state-dir", dir.resolve("state").toString(),
                        "--cluster-key", key.toString(),
                        "--kubeconfig",
                                api.writeKubeconfig(dir.resolve("kubeconfig")).toString(),
                        "--checkpoint-timeout-floor", "4s"));
    }

    private static void createPod(KubernetesClient kube, String name) {
        kube.pods()
                .resource(new PodBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .withNamespace("default")
                        .addToAnnotations(ProtectionSettings.INTERVAL, "1s")
                        .endMetadata()
                        .withNewSpec()
                        .withNodeName("node-1")
                        .addNewContainer()
                        .withName("app")
                        .withImage(TestImages.shared().counterImage())
                        .endContainer()
                        .endSpec()
                        .build())
                .create();
    }

    private static String awaitContainer(NodeAgent agent, String pod) {
        String[] id = new String[1];
        await(pod + " started")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    id[0] = agent.pods().values().stream()
                            .filter(p -> p.name().equals(pod))
                            .map(p -> p.containerIds().get("app"))
                            .filter(java.util.Objects::nonNull)
                            .findFirst()
                            .orElse(null);
                    return id[0] != null;
                });
        return id[0];
    }

    private static List<Event> failedEvents(PodEventsView events) {
        return events.of("default", "hung").stream()
                .filter(e -> PodEvents.CHECKPOINT_FAILED.equals(e.getReason()))
                .toList();
    }

    private static JsonNode status(NetworkNamespace ns) throws IOException {
        var r = ns.exec("curl", "-sf", "-m", "5", "http://127.0.0.1:9464/status");
        if (!r.ok()) {
            throw new IOException("status unavailable: " + r.output());
        }
        return JSON.readTree(r.output());
    }

    private static JsonNode protectedEntry(JsonNode status, String containerId) {
        for (JsonNode c : status.path("protected")) {
            if (c.path("containerId").asText().equals(containerId)) {
                return c;
            }
        }
        return JSON.createObjectNode();
    }

    private static long lastSequence(NetworkNamespace ns, String containerId) throws IOException {
        return protectedEntry(status(ns), containerId).path("lastSequence").asLong(0);
    }
}
