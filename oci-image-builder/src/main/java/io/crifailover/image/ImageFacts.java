package io.crifailover.image;

import io.crifailover.image.meta.CheckpointArchiveInfo;
import io.crifailover.image.meta.ContainerIdentity;
import io.crifailover.oci.OciAnnotations;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The effective description of one checkpoint image: caller metadata first, the archive's own
 * metadata where the caller left a field null. Produces the annotations and labels.
 */
record ImageFacts(
        String sourceNode,
        String namespace,
        String pod,
        String podUid,
        String container,
        String containerId,
        long sequence,
        Instant time,
        String criuVersion,
        String cpuFlagsDigest,
        String os,
        String architecture,
        String runtime,
        String rootfsImage,
        Long frozenUs,
        Long pagesWritten) {

    static ImageFacts of(CheckpointMetadata meta, CheckpointArchiveInfo info) {
        ContainerIdentity id = info.identity();
        Instant time = meta.checkpointTime() != null
                ? meta.checkpointTime()
                : info.checkpointedAt() != null ? info.checkpointedAt() : Instant.EPOCH;
        String rootfs = id.rootfsImageRef() != null ? id.rootfsImageRef() : id.rootfsImageName();
        return new ImageFacts(
                meta.sourceNode(),
                pick(meta.namespace(), id.namespace()),
                pick(meta.pod(), id.podName()),
                pick(meta.podUid(), id.podUid()),
                pick(meta.container(), id.containerName()),
                id.containerId(),
                meta.sequence(),
                time,
                pick(meta.criuVersion(), info.criuVersion()),
                meta.cpuFlagsDigest(),
                pick(meta.os(), "linux"),
                pick(meta.architecture(), CheckpointMetadata.localArchitecture()),
                info.flavour().name().toLowerCase(),
                rootfs,
                info.stats() == null ? null : info.stats().frozenTimeUs(),
                info.stats() == null ? null : info.stats().pagesWritten());
    }

    String created() {
        return DateTimeFormatter.ISO_INSTANT.format(time);
    }

    /** The name both runtimes show for the checkpoint: the container name, else its ID. */
    String checkpointName() {
        return container != null ? container : containerId != null ? containerId : "checkpoint";
    }

    /** Our {@code cri-failover.io/*} metadata (also the config labels). */
    SortedMap<String, String> labels() {
        SortedMap<String, String> m = new TreeMap<>();
        put(m, CheckpointAnnotations.SOURCE_NODE, sourceNode);
        put(m, CheckpointAnnotations.NAMESPACE, namespace);
        put(m, CheckpointAnnotations.POD, pod);
        put(m, CheckpointAnnotations.POD_UID, podUid);
        put(m, CheckpointAnnotations.CONTAINER, container);
        put(m, CheckpointAnnotations.CONTAINER_ID, containerId);
        put(m, CheckpointAnnotations.SEQUENCE, Long.toString(sequence));
        put(m, CheckpointAnnotations.CHECKPOINT_TIME, created());
        put(m, CheckpointAnnotations.CRIU_VERSION, criuVersion);
        put(m, CheckpointAnnotations.CPU_FLAGS_DIGEST, cpuFlagsDigest);
        put(m, CheckpointAnnotations.RUNTIME, runtime);
        put(m, CheckpointAnnotations.ROOTFS_IMAGE, rootfsImage);
        put(m, CheckpointAnnotations.CRIU_FROZEN_US, frozenUs == null ? null : frozenUs.toString());
        put(m, CheckpointAnnotations.CRIU_PAGES_WRITTEN, pagesWritten == null ? null : pagesWritten.toString());
        return m;
    }

    /** Manifest annotations: both runtimes' checkpoint markers, creation time and our metadata. */
    SortedMap<String, String> annotations() {
        SortedMap<String, String> m = labels();
        m.putAll(indexAnnotations());
        m.put(OciAnnotations.CREATED, created());
        return m;
    }

    /** Annotations of an index blob: the runtimes' checkpoint markers and our metadata. */
    SortedMap<String, String> indexAnnotations() {
        SortedMap<String, String> m = labels();
        m.put(CheckpointAnnotations.CRIO_CHECKPOINT_NAME, checkpointName());
        m.put(CheckpointAnnotations.CRIU_CHECKPOINT_NAME, checkpointName());
        return m;
    }

    String description() {
        return "checkpoint " + sequence + " of " + (namespace == null ? "?" : namespace) + "/"
                + (pod == null ? "?" : pod) + "/" + checkpointName();
    }

    private static void put(SortedMap<String, String> m, String key, String value) {
        if (value != null && !value.isEmpty()) {
            m.put(key, value);
        }
    }

    private static String pick(String preferred, String fallback) {
        return preferred != null && !preferred.isEmpty() ? preferred : fallback;
    }
}
