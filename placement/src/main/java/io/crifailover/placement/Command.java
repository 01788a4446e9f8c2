package io.crifailover.placement;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/** An operation submitted to the replicated state machine. Node-scoped commands must come from that node's client. */
public sealed interface Command {
    /** True for commands that do not change state. */
    default boolean readOnly() {
        return false;
    }

    /** The node this command acts for (its sender must be that node), empty for queries. */
    default Optional<String> actor() {
        return Optional.empty();
    }

    /**
     * Adds a node (binding its name to the calling client id) or updates its address, flags, capacity, CRIU
     * readiness and xsave facts.
     */
    record RegisterNode(
            String name,
            String address,
            String arch,
            List<String> cpuFlags,
            int capacity,
            boolean criuReady,
            Xsave xsave)
            implements Command {
        public RegisterNode {
            requireName(name, "node name");
            Objects.requireNonNull(address, "address");
            requireName(arch, "architecture");
            Objects.requireNonNull(xsave, "xsave");
            cpuFlags = Flags.canonical(cpuFlags);
            if (capacity < 1) {
                throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
            }
        }

        /** A registration without CRIU facts (as an older shim sends it): ready, xsave not measured. */
        public RegisterNode(String name, String address, String arch, List<String> cpuFlags, int capacity) {
            this(name, address, arch, cpuFlags, capacity, true, Xsave.UNKNOWN);
        }

        @Override
        public Optional<String> actor() {
            return Optional.of(name);
        }
    }

    /** Reports the current load of the calling node. */
    record ReportLoad(String node, int load) implements Command {
        public ReportLoad {
            requireName(node, "node name");
            if (load < 0) {
                throw new IllegalArgumentException("load must be >= 0, was " + load);
            }
        }

        @Override
        public Optional<String> actor() {
            return Optional.of(node);
        }
    }

    /** The calling node {@code reporter} suspects {@code node} in {@code epoch}. */
    record Suspect(String reporter, String node, long epoch) implements Command {
        public Suspect {
            requireName(reporter, "reporter");
            requireName(node, "suspected node");
        }

        @Override
        public Optional<String> actor() {
            return Optional.of(reporter);
        }
    }

    /** The calling node says it is alive; a failed node comes back in a new epoch. */
    record Heartbeat(String node) implements Command {
        public Heartbeat {
            requireName(node, "node name");
        }

        @Override
        public Optional<String> actor() {
            return Optional.of(node);
        }
    }

    /** Records the latest checkpoint of a container, sent by its source node. */
    record RecordCheckpoint(
            String containerId,
            String digest,
            long sequence,
            String sourceNode,
            List<String> cpuFlags,
            List<String> holders)
            implements Command {
        public RecordCheckpoint {
            requireName(containerId, "container id");
            requireName(digest, "checkpoint digest");
            requireName(sourceNode, "source node");
            cpuFlags = Flags.canonical(cpuFlags);
            holders = Flags.canonicalNames(holders);
            if (sequence < 0) {
                throw new IllegalArgumentException("checkpoint sequence must be >= 0, was " + sequence);
            }
        }

        @Override
        public Optional<String> actor() {
            return Optional.of(sourceNode);
        }
    }

    /**
     * Records the latest checkpoints of several containers of the calling node in one ordered call. The whole
     * command is refused when the caller is not {@code sourceNode} or that node is failed; otherwise each entry is
     * checked like a {@link RecordCheckpoint} and answered on its own, in the order of {@link #entries()} (sorted by
     * container, one entry per container).
     */
    record RecordCheckpoints(String sourceNode, List<CheckpointEntry> entries) implements Command {
        /** Most entries one command carries. */
        public static final int MAX_ENTRIES = 1024;

        public RecordCheckpoints {
            requireName(sourceNode, "source node");
            TreeMap<String, CheckpointEntry> byContainer = new TreeMap<>();
            for (CheckpointEntry e : entries) {
                if (byContainer.put(e.containerId(), e) != null) {
                    throw new IllegalArgumentException("two checkpoints of " + e.containerId() + " in one batch");
                }
            }
            if (byContainer.isEmpty() || byContainer.size() > MAX_ENTRIES) {
                throw new IllegalArgumentException(
                        "a batch holds 1 to " + MAX_ENTRIES + " checkpoints, not " + byContainer.size());
            }
            entries = List.copyOf(byContainer.values());
        }

        @Override
        public Optional<String> actor() {
            return Optional.of(sourceNode);
        }
    }

    /** One checkpoint of a {@link RecordCheckpoints}: a {@link RecordCheckpoint} whose source is the batch's. */
    record CheckpointEntry(
            String containerId, String digest, long sequence, List<String> cpuFlags, List<String> holders) {
        public CheckpointEntry {
            requireName(containerId, "container id");
            requireName(digest, "checkpoint digest");
            cpuFlags = Flags.canonical(cpuFlags);
            holders = Flags.canonicalNames(holders);
            if (sequence < 0) {
                throw new IllegalArgumentException("checkpoint sequence must be >= 0, was " + sequence);
            }
        }
    }

    /** Asks for (and records) the standby nodes of a container running on the calling node. */
    record AssignStandbys(String containerId, String sourceNode, int count) implements Command {
        public AssignStandbys {
            requireName(containerId, "container id");
            requireName(sourceNode, "source node");
            if (count < 0 || count > 64) {
                throw new IllegalArgumentException("standby count must be in [0, 64], was " + count);
            }
        }

        @Override
        public Optional<String> actor() {
            return Optional.of(sourceNode);
        }
    }

    /** The calling node, target of {@code decisionId}, finished restoring {@code containerId}. */
    record AckRestore(String containerId, long decisionId, String target) implements Command {
        public AckRestore {
            requireName(containerId, "container id");
            requireName(target, "target node");
        }

        @Override
        public Optional<String> actor() {
            return Optional.of(target);
        }
    }

    /**
     * The calling node {@code node} says the container is gone (its pod was deleted): it leaves the catalog, with
     * its standbys and decision. Only the container's home may say so, or the target of its pending decision.
     */
    record ForgetContainer(String containerId, String node) implements Command {
        public ForgetContainer {
            requireName(containerId, "container id");
            requireName(node, "node name");
        }

        @Override
        public Optional<String> actor() {
            return Optional.of(node);
        }
    }

    /** Lists restore decisions, all of them when {@code target} is empty, else those targeting that node. */
    record QueryDecisions(String target) implements Command {
        public QueryDecisions {
            Objects.requireNonNull(target, "target");
        }

        @Override
        public boolean readOnly() {
            return true;
        }
    }

    /** Lists all nodes. */
    record QueryNodes() implements Command {
        @Override
        public boolean readOnly() {
            return true;
        }
    }

    /** Returns the latest events after {@code afterSequence}. */
    record QueryEvents(long afterSequence) implements Command {
        @Override
        public boolean readOnly() {
            return true;
        }
    }

    private static void requireName(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
        if (value.length() > 512) {
            throw new IllegalArgumentException(what + " longer than 512 characters");
        }
    }
}
