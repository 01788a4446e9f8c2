package io.crifailover.image;

import java.time.Instant;
import java.util.Locale;

/**
 * What the caller knows about a checkpoint beyond the archive itself. Null identity fields are filled
 * from the archive's {@code spec.dump}/{@code config.dump}; a null time from {@code config.dump}.
 *
 * @param sourceNode     node that took the checkpoint
 * @param namespace      pod namespace
 * @param pod            pod name
 * @param podUid         pod UID
 * @param container      container name
 * @param sequence       per-container checkpoint sequence number
 * @param checkpointTime when the checkpoint was taken
 * @param criuVersion    CRIU version on the source node
 * @param cpuFlagsDigest digest of the source node's CPU flags
 * @param os             OS of the source node (OCI notation)
 * @param architecture   architecture of the source node (OCI notation)
 */
public record CheckpointMetadata(
        String sourceNode,
        String namespace,
        String pod,
        String podUid,
        String container,
        long sequence,
        Instant checkpointTime,
        String criuVersion,
        String cpuFlagsDigest,
        String os,
        String architecture) {

    public static Builder builder() {
        return new Builder();
    }

    /** OCI architecture name of this JVM's machine. */
    public static String localArchitecture() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "ppc64le" -> "ppc64le";
            case "s390x" -> "s390x";
            case "riscv64" -> "riscv64";
            default -> arch;
        };
    }

    /** Fluent construction; os/architecture default to this machine's. */
    public static final class Builder {
        private String sourceNode;
        private String namespace;
        private String pod;
        private String podUid;
        private String container;
        private long sequence;
        private Instant checkpointTime;
        private String criuVersion;
        private String cpuFlagsDigest;
        private String os = "linux";
        private String architecture = localArchitecture();

        public Builder sourceNode(String v) {
            sourceNode = v;
            return this;
        }

        public Builder namespace(String v) {
            namespace = v;
            return this;
        }

        public Builder pod(String v) {
            pod = v;
            return this;
        }

        public Builder podUid(String v) {
            podUid = v;
            return this;
        }

        public Builder container(String v) {
            container = v;
            return this;
        }

        public Builder sequence(long v) {
            sequence = v;
            return this;
        }

        public Builder checkpointTime(Instant v) {
            checkpointTime = v;
            return this;
        }

        public Builder criuVersion(String v) {
            criuVersion = v;
            return this;
        }

        public Builder cpuFlagsDigest(String v) {
            cpuFlagsDigest = v;
            return this;
        }

        public Builder os(String v) {
            os = v;
            return this;
        }

        public Builder architecture(String v) {
            architecture = v;
            return this;
        }

        public CheckpointMetadata build() {
            return new CheckpointMetadata(
                    sourceNode,
                    namespace,
                    pod,
                    podUid,
                    container,
                    sequence,
                    checkpointTime,
                    criuVersion,
                    cpuFlagsDigest,
                    os,
                    architecture);
        }
    }
}
