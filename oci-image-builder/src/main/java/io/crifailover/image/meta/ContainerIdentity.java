package io.crifailover.image.meta;

/**
 * Who was checkpointed, as recorded by the runtime in {@code config.dump} and {@code spec.dump}.
 * Any field may be null when the runtime did not record it.
 *
 * @param containerId     runtime container ID
 * @param containerName   Kubernetes container name
 * @param podName         pod name
 * @param namespace       pod namespace
 * @param podUid          pod UID
 * @param sandboxId       runtime sandbox ID
 * @param rootfsImageName image the container ran (name as requested)
 * @param rootfsImageRef  image the container ran (resolved reference/digest)
 * @param ociRuntime      OCI runtime name recorded by the CRI runtime
 */
public record ContainerIdentity(
        String containerId,
        String containerName,
        String podName,
        String namespace,
        String podUid,
        String sandboxId,
        String rootfsImageName,
        String rootfsImageRef,
        String ociRuntime) {}
