package io.crifailover.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crifailover.protos.cri.ContainerConfig;
import io.crifailover.protos.cri.ContainerMetadata;
import io.crifailover.protos.cri.ContainerState;
import io.crifailover.protos.cri.ContainerStatus;
import io.crifailover.protos.cri.ContainerStatusRequest;
import io.crifailover.protos.cri.CreateContainerRequest;
import io.crifailover.protos.cri.ImageSpec;
import io.crifailover.protos.cri.PodSandboxConfig;
import io.crifailover.testsupport.ContainerdNode;
import io.crifailover.testsupport.CriClient;
import io.crifailover.testsupport.TestImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The image Jib built in the package phase (run by the deploy module's integration-test phase,
 * after {@code jib:buildTar}): a valid OCI archive that a real containerd pulls and runs.
 */
@Tag("integration")
class ShimImageIT {

    static final Path IMAGE_TAR = Path.of("target/cri-failover-image.tar");
    static final String MAIN_CLASS = "io.crifailover.shim.cli.CriFailoverCli";

    @Test
    void imageTarIsAnOciArchiveSkopeoCanInspect() throws Exception {
        assertThat(IMAGE_TAR).as("built by jib:buildTar in the package phase").isRegularFile();
        JsonNode manifest = new ObjectMapper().readTree(run("skopeo", "inspect", "oci-archive:" + IMAGE_TAR));
        assertThat(manifest.path("Os").asText()).isEqualTo("linux");
        assertThat(manifest.path("Layers").size()).isGreaterThanOrEqualTo(2);
        assertThat(manifest.path("LayersData").get(0).path("MIMEType").asText())
                .isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip");
        JsonNode config = new ObjectMapper().readTree(run("skopeo", "inspect", "--config", "oci-archive:" + IMAGE_TAR));
        assertThat(config.path("config").path("Entrypoint").get(0).asText())
                .isEqualTo("/opt/cri-failover/bin/cri-failover");
    }

    @Test
    void containerFromTheImageRunsCriFailoverHelp() throws Exception {
        ShimImageIT.assumeImageHasTheCli();
        String registry = TestImages.shared().localRegistry().hostPort();
        String image = registry + "/crif/shim:test";
        run("skopeo", "copy", "--dest-tls-verify=false", "oci-archive:" + IMAGE_TAR, "docker://" + image);

        try (ContainerdNode node = ContainerdNode.start("shim-image")) {
            CriClient cri = node.cri();
            cri.pull(image);
            PodSandboxConfig pod = cri.podConfig("shim-help", Map.of());
            String podId = cri.runPod(pod);
            ContainerConfig container = ContainerConfig.newBuilder()
                    .setMetadata(ContainerMetadata.newBuilder().setName("help"))
                    .setImage(ImageSpec.newBuilder().setImage(image))
                    .addArgs("--help")
                    .setLogPath("help.log")
                    .build();
            String id = cri.runtime()
                    .createContainer(CreateContainerRequest.newBuilder()
                            .setPodSandboxId(podId)
                            .setConfig(container)
                            .setSandboxConfig(pod)
                            .build())
                    .getContainerId();
            cri.startContainer(id);

            ContainerStatus status = Awaitility.await("cri-failover --help exits")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(
                            () -> cri.runtime()
                                    .containerStatus(ContainerStatusRequest.newBuilder()
                                            .setContainerId(id)
                                            .build())
                                    .getStatus(),
                            s -> s.getState() == ContainerState.CONTAINER_EXITED);
            String log = Files.readString(Path.of(pod.getLogDirectory(), "help.log"));
            assertThat(status.getExitCode()).as("exit code; log:\n" + log).isZero();
            assertThat(log).contains("Usage: cri-failover");
        }
    }

    /**
     * The image carries whatever shim jar the local repository holds; until the shim module is
     * installed there it may be a stub without the CLI, and running it proves nothing.
     */
    static void assumeImageHasTheCli() {
        boolean present;
        try {
            Class.forName(MAIN_CLASS, false, ShimImageIT.class.getClassLoader());
            present = true;
        } catch (ClassNotFoundException e) {
            present = false;
        }
        Assumptions.assumeTrue(
                present,
                "the shim jar in the local Maven repository has no " + MAIN_CLASS
                        + " (run: mvn -o -pl shim install -DskipTests, then rebuild deploy)");
    }

    private static String run(String... command) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of(command));
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException(String.join(" ", argv) + " did not finish in 120 s");
        }
        String text = new String(output, StandardCharsets.UTF_8);
        assertThat(process.exitValue())
                .as(String.join(" ", argv) + ":\n" + text)
                .isZero();
        return text;
    }
}
