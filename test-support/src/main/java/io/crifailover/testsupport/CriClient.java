package io.crifailover.testsupport;

import io.crifailover.protos.cri.CheckpointContainerRequest;
import io.crifailover.protos.cri.ContainerConfig;
import io.crifailover.protos.cri.ContainerMetadata;
import io.crifailover.protos.cri.CreateContainerRequest;
import io.crifailover.protos.cri.ExecSyncRequest;
import io.crifailover.protos.cri.ExecSyncResponse;
import io.crifailover.protos.cri.ImageServiceGrpc;
import io.crifailover.protos.cri.ImageSpec;
import io.crifailover.protos.cri.LinuxPodSandboxConfig;
import io.crifailover.protos.cri.PodSandboxConfig;
import io.crifailover.protos.cri.PodSandboxMetadata;
import io.crifailover.protos.cri.PullImageRequest;
import io.crifailover.protos.cri.RunPodSandboxRequest;
import io.crifailover.protos.cri.RuntimeServiceGrpc;
import io.crifailover.protos.cri.StartContainerRequest;
import io.crifailover.protos.cri.VersionRequest;
import io.crifailover.protos.cri.VersionResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** A typed CRI client over the generated stubs, with the few helpers tests need. */
public final class CriClient implements AutoCloseable {
    private static final long CALL_SECONDS = 120;

    private final ManagedChannel channel;
    private final String cgroupParent;
    private final Path logRoot;

    private CriClient(ManagedChannel channel, String cgroupParent, Path logRoot) {
        this.channel = channel;
        this.cgroupParent = cgroupParent;
        this.logRoot = logRoot;
    }

    /** Connects to {@code unix:///path/to.sock}; pods get the runtime's default cgroup parent. */
    public static CriClient connect(String endpoint) {
        return connect(endpoint, "", Path.of(System.getProperty("java.io.tmpdir"), "crif-pod-logs"));
    }

    /** Connects; pods created through {@link #podConfig} use {@code cgroupParent} and log under {@code logRoot}. */
    public static CriClient connect(String endpoint, String cgroupParent, Path logRoot) {
        ManagedChannel channel = Grpc.newChannelBuilder(endpoint, InsecureChannelCredentials.create())
                .maxInboundMessageSize(64 << 20)
                .build();
        return new CriClient(channel, cgroupParent, logRoot);
    }

    public ManagedChannel channel() {
        return channel;
    }

    public RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
        return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS);
    }

    public ImageServiceGrpc.ImageServiceBlockingStub images() {
        return ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS);
    }

    public VersionResponse version() {
        return runtime().version(VersionRequest.newBuilder().setVersion("v1").build());
    }

    /** A pod sandbox config in namespace "default" with a fresh UID. */
    public PodSandboxConfig podConfig(String name, Map<String, String> annotations) {
        return podConfig("default", name, UUID.randomUUID().toString(), annotations);
    }

    public PodSandboxConfig podConfig(String namespace, String name, String uid, Map<String, String> annotations) {
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder()
                        .setName(name)
                        .setNamespace(namespace)
                        .setUid(uid)
                        .setAttempt(0))
                .setHostname(name)
                .setLogDirectory(
                        logRoot.resolve(namespace + "_" + name + "_" + uid).toString())
                .putAllAnnotations(annotations)
                .putLabels("io.kubernetes.pod.name", name)
                .putLabels("io.kubernetes.pod.namespace", namespace)
                .putLabels("io.kubernetes.pod.uid", uid)
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent(cgroupParent))
                .build();
    }

    public String runPod(PodSandboxConfig config) {
        return runtime()
                .runPodSandbox(
                        RunPodSandboxRequest.newBuilder().setConfig(config).build())
                .getPodSandboxId();
    }

    /** Creates a container named {@code name} from {@code image} (a reference or a checkpoint archive path). */
    public String createContainer(String podId, PodSandboxConfig pod, String name, String image) {
        ContainerConfig config = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name).setAttempt(0))
                .setImage(ImageSpec.newBuilder().setImage(image))
                .setLogPath(name + ".log")
                .putLabels("io.kubernetes.container.name", name)
                .build();
        return runtime()
                .createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(podId)
                        .setConfig(config)
                        .setSandboxConfig(pod)
                        .build())
                .getContainerId();
    }

    /** The pod's IP as the runtime's CNI gave it (what kubelet reports as the pod's status.podIP). */
    public String podIp(String podId) {
        return runtime()
                .podSandboxStatus(io.crifailover.protos.cri.PodSandboxStatusRequest.newBuilder()
                        .setPodSandboxId(podId)
                        .build())
                .getStatus()
                .getNetwork()
                .getIp();
    }

    public void startContainer(String id) {
        runtime()
                .startContainer(
                        StartContainerRequest.newBuilder().setContainerId(id).build());
    }

    public void pull(String image) {
        images().pullImage(PullImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(image))
                .build());
    }

    /** Runs a command in the container and returns its stdout; throws on a non-zero exit. */
    public String exec(String containerId, String... cmd) {
        ExecSyncResponse r = runtime()
                .execSync(ExecSyncRequest.newBuilder()
                        .setContainerId(containerId)
                        .addAllCmd(Arrays.asList(cmd))
                        .setTimeout(30)
                        .build());
        if (r.getExitCode() != 0) {
            throw new IllegalStateException("exec " + String.join(" ", cmd) + " exited " + r.getExitCode() + ": "
                    + r.getStderr().toString(StandardCharsets.UTF_8));
        }
        return r.getStdout().toString(StandardCharsets.UTF_8);
    }

    /** The counter image's current value. */
    public long counter(String containerId) {
        return Long.parseLong(exec(containerId, "cat", "/data/count").trim());
    }

    /** The counter's value, failing with DEADLINE_EXCEEDED after {@code deadline}. */
    public long counter(String containerId, java.time.Duration deadline) {
        return Long.parseLong(
                execWithin(containerId, deadline, "cat", "/data/count").trim());
    }

    /**
     * Runs a command in the container within {@code deadline} (the whole call, as a client with a
     * timeout sees it) and returns its stdout; throws on a non-zero exit or DEADLINE_EXCEEDED.
     */
    public String execWithin(String containerId, java.time.Duration deadline, String... cmd) {
        ExecSyncResponse r = RuntimeServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                .execSync(ExecSyncRequest.newBuilder()
                        .setContainerId(containerId)
                        .addAllCmd(Arrays.asList(cmd))
                        .setTimeout(Math.max(1, deadline.toSeconds()))
                        .build());
        if (r.getExitCode() != 0) {
            throw new IllegalStateException("exec " + String.join(" ", cmd) + " exited " + r.getExitCode());
        }
        return r.getStdout().toString(StandardCharsets.UTF_8);
    }

    /** Checkpoints the running container into the archive {@code archive} (it keeps running). */
    public void checkpoint(String containerId, Path archive) {
        runtime()
                .checkpointContainer(CheckpointContainerRequest.newBuilder()
                        .setContainerId(containerId)
                        .setLocation(archive.toString())
                        .setTimeout(CALL_SECONDS)
                        .build());
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
