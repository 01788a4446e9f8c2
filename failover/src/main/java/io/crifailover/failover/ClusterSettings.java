package io.crifailover.failover;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The cluster-wide part of the failover configuration, the same file on every node (the
 * DaemonSet's ConfigMap {@code cri-failover-cluster}, copied by the installer to
 * {@code /etc/cri-failover/cluster.yaml}). This record is the one schema: the ConfigMap, the
 * installer's check and the shim all read it through {@link #parse}. Unknown keys are errors; f and
 * the three ports are required; {@code members} may be empty in the file (a node that is not a member
 * only proxies) but {@link #load} (the shim's {@code --cluster}) needs members. Example:
 *
 * <pre>
 * f: 1
 * placementPort: 11000
 * storePort: 5050
 * probePort: 7070
 * members:
 *   - {name: node-1, address: 10.0.0.1, replicaId: 0}
 *   - {name: node-2, address: 10.0.0.2, replicaId: 1}
 * timing: {probeIntervalMs: 100, probeThreshold: 3, heartbeatMs: 100, fenceTimeoutMs: 500, restoreMarginMs: 200}
 * </pre>
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record ClusterSettings(
        @JsonProperty(required = true) int f,
        @JsonProperty(required = true) int placementPort,
        @JsonProperty(required = true) int storePort,
        @JsonProperty(required = true) int probePort,
        List<FailoverConfig.Member> members,
        TimingSettings timing) {

    /** Checks what can be checked without knowing which node reads the file. */
    public ClusterSettings {
        if (f < 0) {
            throw new IllegalArgumentException("f must be 0 or more, got " + f);
        }
        requirePort("placementPort", placementPort);
        requirePort("storePort", storePort);
        requirePort("probePort", probePort);
        members = members == null ? List.of() : List.copyOf(members);
        Set<String> names = new HashSet<>();
        Set<Integer> ids = new HashSet<>();
        for (FailoverConfig.Member m : members) {
            if (m == null
                    || m.name() == null
                    || m.name().isBlank()
                    || m.address() == null
                    || m.address().isBlank()) {
                throw new IllegalArgumentException("every member needs a name and an address: " + m);
            }
            if (!names.add(m.name())) {
                throw new IllegalArgumentException("member " + m.name() + " is listed twice");
            }
            if (m.replicaId() < 0 || !ids.add(m.replicaId())) {
                throw new IllegalArgumentException("replicaId " + m.replicaId() + " of " + m.name()
                        + " is negative or used twice (ids must be distinct and never change)");
            }
        }
    }

    private static void requirePort(String name, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(name + " must be a port 1-65535, got " + port);
        }
    }

    /** Timing in milliseconds; absent fields take {@link FailoverConfig.Timing#defaults()}. */
    public record TimingSettings(
            Long probeIntervalMs,
            Integer probeThreshold,
            Long heartbeatMs,
            Long fenceTimeoutMs,
            Long restoreMarginMs,
            Long placementTimeoutMs) {}

    /** The top-level keys, in order. */
    private static final List<String> KEYS = Arrays.stream(ClusterSettings.class.getRecordComponents())
            .map(RecordComponent::getName)
            .toList();

    private static final ObjectMapper YAML =
            new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * Reads the file.
     *
     * @throws IOException naming the file and what is wrong in it
     */
    public static ClusterSettings load(Path file) throws IOException {
        ClusterSettings s = parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        if (s.members().isEmpty()) {
            throw new IOException("cluster settings " + file + ": no members");
        }
        return s;
    }

    /**
     * Parses settings text (the ConfigMap's {@code cluster.yaml}); {@code members} may be empty.
     *
     * @param source what to call the text in error messages (a file name)
     * @throws IOException naming {@code source} and what is wrong in it
     */
    public static ClusterSettings parse(String yaml, String source) throws IOException {
        try {
            JsonNode tree = YAML.readTree(yaml);
            if (tree == null || !tree.isObject()) {
                throw new IOException("expected a mapping with the keys " + KEYS);
            }
            for (Iterator<String> names = tree.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!KEYS.contains(name)) {
                    throw new IOException("unknown key '" + name + "' (the keys are " + KEYS + ")");
                }
            }
            return YAML.treeToValue(tree, ClusterSettings.class);
        } catch (IOException e) {
            throw new IOException("cluster settings " + source + ": " + e.getMessage(), e);
        }
    }

    /** The member called {@code nodeName}, if this node is one. */
    public Optional<FailoverConfig.Member> member(String nodeName) {
        return members.stream().filter(m -> m.name().equals(nodeName)).findFirst();
    }

    public void write(Path file) throws IOException {
        YAML.writeValue(file.toFile(), this);
    }

    public FailoverConfig.Timing resolvedTiming() {
        FailoverConfig.Timing d = FailoverConfig.Timing.defaults();
        if (timing == null) {
            return d;
        }
        return new FailoverConfig.Timing(
                timing.probeIntervalMs() == null ? d.probeInterval() : Duration.ofMillis(timing.probeIntervalMs()),
                timing.probeThreshold() == null ? d.probeThreshold() : timing.probeThreshold(),
                timing.heartbeatMs() == null ? d.heartbeat() : Duration.ofMillis(timing.heartbeatMs()),
                timing.fenceTimeoutMs() == null ? d.fenceTimeout() : Duration.ofMillis(timing.fenceTimeoutMs()),
                timing.restoreMarginMs() == null ? d.restoreMargin() : Duration.ofMillis(timing.restoreMarginMs()),
                timing.placementTimeoutMs() == null
                        ? d.placementTimeout()
                        : Duration.ofMillis(timing.placementTimeoutMs()));
    }

    /** The configuration of node {@code nodeName} in this cluster. */
    public FailoverConfig forNode(
            String nodeName, Path stateDir, Path clusterKeyFile, Path kubeconfig, List<String> cpuFlags, int capacity) {
        FailoverConfig.Member self = member(nodeName)
                .orElseThrow(
                        () -> new IllegalArgumentException("node " + nodeName + " is not a member of the cluster"));
        return new FailoverConfig(
                nodeName,
                self.address(),
                stateDir,
                members,
                f,
                placementPort,
                storePort,
                probePort,
                clusterKeyFile,
                kubeconfig,
                cpuFlags,
                capacity,
                resolvedTiming());
    }
}
