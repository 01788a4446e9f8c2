package io.crifailover.image;

/** Annotation keys of a checkpoint image (the OCI-defined ones are in {@code OciAnnotations}). */
public final class CheckpointAnnotations {

    /** CRI-O: a manifest annotation marking a checkpoint image; value is the container name. */
    public static final String CRIO_CHECKPOINT_NAME = "io.kubernetes.cri-o.annotations.checkpoint.name";
    /** containerd 2.x: annotation of the image's target blob marking a checkpoint image. */
    public static final String CRIU_CHECKPOINT_NAME = "org.criu.checkpoint.container.name";

    public static final String PREFIX = "cri-failover.io/";
    public static final String SOURCE_NODE = PREFIX + "source-node";
    public static final String NAMESPACE = PREFIX + "namespace";
    public static final String POD = PREFIX + "pod";
    public static final String POD_UID = PREFIX + "pod-uid";
    public static final String CONTAINER = PREFIX + "container";
    public static final String CONTAINER_ID = PREFIX + "container-id";
    public static final String SEQUENCE = PREFIX + "sequence";
    public static final String CHECKPOINT_TIME = PREFIX + "checkpoint-time";
    public static final String CRIU_VERSION = PREFIX + "criu-version";
    public static final String CPU_FLAGS_DIGEST = PREFIX + "cpu-flags-digest";
    public static final String RUNTIME = PREFIX + "runtime";
    public static final String ROOTFS_IMAGE = PREFIX + "rootfs-image";
    public static final String CRIU_FROZEN_US = PREFIX + "criu-frozen-time-us";
    public static final String CRIU_PAGES_WRITTEN = PREFIX + "criu-pages-written";

    private CheckpointAnnotations() {}
}
