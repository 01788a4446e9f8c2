package io.crifailover.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.crifailover.protos.cri.PodSandboxStatusRequest;
import io.crifailover.testsupport.ContainerdNode;
import io.crifailover.testsupport.NetworkNamespace;
import io.crifailover.testsupport.Shell;
import io.crifailover.testsupport.TestImages;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The bed's clients reach pods inside a node's namespace over a host route, as a service user would. */
@Tag("integration")
class PodReachabilityIT {

    @Test
    void counterInANamespacedNodeAnswersHttpFromTheHost() {
        try (NetworkNamespace ns = NetworkNamespace.create("reach");
                ContainerdNode node = ContainerdNode.start(
                        ContainerdNode.options().name("reach").netns(ns))) {
            var cri = node.cri();
            var pod = cri.podConfig("web", Map.of());
            String podId = cri.runPod(pod);
            String id =
                    cri.createContainer(podId, pod, "app", TestImages.shared().counterImage());
            cri.startContainer(id);
            String ip = cri.runtime()
                    .podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                            .setPodSandboxId(podId)
                            .build())
                    .getStatus()
                    .getNetwork()
                    .getIp();
            Shell.runOk("ip", "route", "replace", node.podSubnet(), "via", ns.address());
            try {
                HttpClient http = HttpClient.newBuilder()
                        .connectTimeout(Duration.ofSeconds(1))
                        .build();
                String body = await().atMost(Duration.ofSeconds(20))
                        .ignoreExceptions()
                        .until(
                                () -> http.send(
                                                HttpRequest.newBuilder(URI.create("http://" + ip + ":8080/count"))
                                                        .timeout(Duration.ofSeconds(1))
                                                        .build(),
                                                HttpResponse.BodyHandlers.ofString())
                                        .body(),
                                b -> !b.isBlank());
                assertThat(Long.parseLong(body.trim())).isPositive();
            } finally {
                Shell.run("ip", "route", "del", node.podSubnet());
            }
        }
    }
}
