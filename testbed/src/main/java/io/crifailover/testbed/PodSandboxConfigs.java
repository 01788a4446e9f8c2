package io.crifailover.testbed;

import io.crifailover.protos.cri.ContainerConfig;
import io.crifailover.protos.cri.ContainerMetadata;
import io.crifailover.protos.cri.ImageSpec;
import io.crifailover.protos.cri.KeyValue;
import io.crifailover.protos.cri.LinuxPodSandboxConfig;
import io.crifailover.protos.cri.PodSandboxConfig;
import io.crifailover.protos.cri.PodSandboxMetadata;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** Translates a Pod into the CRI configs kubelet would send (labels and annotations included). */
final class PodSandboxConfigs {
    private PodSandboxConfigs() {}

    static PodSandboxConfig sandbox(Pod pod, String cgroupParent, Path logRoot) {
        var meta = pod.getMetadata();
        PodSandboxConfig.Builder b = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder()
                        .setName(meta.getName())
                        .setNamespace(meta.getNamespace())
                        .setUid(meta.getUid())
                        .setAttempt(0))
                .setHostname(meta.getName())
                .setLogDirectory(logRoot.resolve(meta.getNamespace() + "_" + meta.getName() + "_" + meta.getUid())
                        .toString())
                .putLabels("io.kubernetes.pod.name", meta.getName())
                .putLabels("io.kubernetes.pod.namespace", meta.getNamespace())
                .putLabels("io.kubernetes.pod.uid", meta.getUid())
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent(cgroupParent));
        Optional.ofNullable(meta.getLabels()).ifPresent(b::putAllLabels);
        Optional.ofNullable(meta.getAnnotations()).ifPresent(b::putAllAnnotations);
        return b.build();
    }

    static ContainerConfig container(Pod pod, Container c) {
        ContainerConfig.Builder b = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(c.getName()).setAttempt(0))
                .setImage(ImageSpec.newBuilder().setImage(c.getImage()))
                .setLogPath(c.getName() + "/0.log")
                .putLabels("io.kubernetes.container.name", c.getName())
                .putLabels("io.kubernetes.pod.name", pod.getMetadata().getName())
                .putLabels("io.kubernetes.pod.namespace", pod.getMetadata().getNamespace())
                .putLabels("io.kubernetes.pod.uid", pod.getMetadata().getUid());
        Optional.ofNullable(c.getCommand()).ifPresent(b::addAllCommand);
        Optional.ofNullable(c.getArgs()).ifPresent(b::addAllArgs);
        Optional.ofNullable(c.getEnv())
                .ifPresent(env -> env.forEach(e -> b.addEnvs(
                        KeyValue.newBuilder().setKey(e.getName()).setValue(e.getValue() == null ? "" : e.getValue()))));
        Optional.ofNullable(pod.getMetadata().getAnnotations()).map(Map::copyOf).ifPresent(b::putAllAnnotations);
        return b.build();
    }
}
