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

/** The kubelet stand-in runs and removes pods bound to its node, and ignores other nodes' pods. */
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
