package io.crifailover.placement;

import java.util.List;
import java.util.Objects;

/**
 * Latest checkpoint of one protected container.
 *
 * @param containerId container identity (stable across restores, e.g. namespace/pod/container)
 * @param digest      OCI image digest of the checkpoint
 * @param sequence    monotonically increasing per container
 * @param sourceNode  node the checkpoint was taken on
 * @param arch        architecture of the source node
 * @param cpuFlags    CPU flags of the source node; a restore target must have a superset
 * @param holders     nodes holding a copy of the checkpoint image, sorted
 * @param xsave       xsave facts of the source node's CPU when the checkpoint was recorded; a restore target must
 *                    pass CRIU's xsave rule against them
 */
public record CheckpointRecord(
        String containerId,
        String digest,
        long sequence,
        String sourceNode,
        String arch,
        List<String> cpuFlags,
        List<String> holders,
        Xsave xsave) {
    public CheckpointRecord {
        Objects.requireNonNull(xsave, "xsave");
        Objects.requireNonNull(containerId, "containerId");
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(sourceNode, "sourceNode");
        Objects.requireNonNull(arch, "arch");
        cpuFlags = Flags.canonical(cpuFlags);
        holders = Flags.canonicalNames(holders);
    }

    /** A checkpoint without xsave facts (recorded by an older version). */
    public CheckpointRecord(
            String containerId,
            String digest,
            long sequence,
            String sourceNode,
            String arch,
            List<String> cpuFlags,
            List<String> holders) {
        this(containerId, digest, sequence, sourceNode, arch, cpuFlags, holders, Xsave.UNKNOWN);
    }
}
