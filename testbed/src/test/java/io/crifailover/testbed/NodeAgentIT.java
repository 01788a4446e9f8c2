package io.crifailover.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.crifailover.testsupport.ContainerdNode;
import io.crifailover.testsupport.TestImages;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The kubelet stand-in runs and removes pods bound to its node, ignores other nodes' pods, and keeps
 * what it runs running (restartPolicy Always).
 */
@Tag("integration")
class NodeAgentIT {

    @Test
    void runsPodsBoundToItsNodeAndRemovesThemOnDelete() {
        try (KubeApiServer api = KubeApiServer.start();
                KubernetesClient kube = api.client();
                ContainerdNode node = ContainerdNode.start("agent");
                NodeAgent agent = new NodeAgent(
                                "node-1",
                                kube,
                                node.cri(),
                                node.cgroupParent(),
                                node.workDir().resolve("logs"))
                        .start()) {
            kube.pods().resource(counterPod("mine", "node-1")).create();
            kube.pods().resource(counterPod("other", "node-2")).create();

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Pod pod = kube.pods().withName("mine").get();
                assertThat(pod.getStatus()).isNotNull();
                assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
                assertThat(pod.getStatus().getPodIP()).isNotBlank();
            });
            assertThat(agent.pods()).hasSize(1);
            String containerId =
                    agent.pods().values().iterator().next().containerIds().get("app");
            await().atMost(Duration.ofSeconds(10))
                    .ignoreExceptions()
                    .until(() -> node.cri().counter(containerId) > 2);

            kube.pods().withName("mine").delete();
            await().atMost(Duration.ofSeconds(30)).until(() -> agent.pods().isEmpty());
            assertThat(node.cri()
                            .runtime()
                            .listPodSandbox(io.crifailover.protos.cri.ListPodSandboxRequest.getDefaultInstance())
                            .getItemsList())
                    .isEmpty();
        }
    }

    @Test
    void restartsAnExitedContainerAndRecreatesARemovedSandboxLikeKubelet() {
        try (KubeApiServer api = KubeApiServer.start();
                KubernetesClient kube = api.client();
                ContainerdNode node = ContainerdNode.start("agent-restart");
                NodeAgent agent = new NodeAgent(
                                "node-1",
                                kube,
                                node.cri(),
                                node.cgroupParent(),
                                node.workDir().resolve("logs"))
                        .start()) {
            kube.pods().resource(counterPod("mine", "node-1")).create();
            String first = await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(() -> appContainer(agent), id -> id != null && running(node, id));

            node.cri()
                    .runtime()
                    .stopContainer(io.crifailover.protos.cri.StopContainerRequest.newBuilder()
                            .setContainerId(first)
                            .setTimeout(0)
                            .build());
            String second = await("the exited container is replaced by the next attempt")
                    .atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(() -> appContainer(agent), id -> id != null && !id.equals(first) && running(node, id));
            assertThat(status(node, second).getMetadata().getAttempt()).isEqualTo(1);

            String sandbox = agent.pods().values().iterator().next().sandboxId();
            node.cri()
                    .runtime()
                    .stopPodSandbox(io.crifailover.protos.cri.StopPodSandboxRequest.newBuilder()
                            .setPodSandboxId(sandbox)
                            .build());
            await("a stopped sandbox is recreated with its containers")
                    .atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(() -> agent.pods().values().stream()
                            .anyMatch(p -> !p.sandboxId().equals(sandbox)
                                    && p.containerIds().get("app") != null
                                    && running(node, p.containerIds().get("app"))));
            assertThat(agent.restarts()).isGreaterThanOrEqualTo(2);
            assertThat(agent.refusedRestarts()).isZero();
        }
    }

    private static String appContainer(NodeAgent agent) {
        return agent.pods().values().stream()
                .map(p -> p.containerIds().get("app"))
                .filter(java.util.Objects::nonNull)
                .findFirst()
                .orElse(null);
    }

    private static io.crifailover.protos.cri.ContainerStatus status(ContainerdNode node, String id) {
        return node.cri()
                .runtime()
                .containerStatus(io.crifailover.protos.cri.ContainerStatusRequest.newBuilder()
                        .setContainerId(id)
                        .build())
                .getStatus();
    }

    private static boolean running(ContainerdNode node, String id) {
        return status(node, id).getState() == io.crifailover.protos.cri.ContainerState.CONTAINER_RUNNING;
    }

    static Pod counterPod(String name, String nodeName) {
        return new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace("default")
                .withUid(java.util.UUID.randomUUID().toString())
                .endMetadata()
                .withNewSpec()
                .withNodeName(nodeName)
                .addNewContainer()
                .withName("app")
                .withImage(TestImages.shared().counterImage())
                .endContainer()
                .endSpec()
                .build();
    }
}
