package io.crifailover.failover;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The cluster-wide part of the failover configuration, the same file on every node (the
 * DaemonSet's ConfigMap). Example:
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
        int f,
        int placementPort,
        int storePort,
        int probePort,
        List<FailoverConfig.Member> members,
        TimingSettings timing) {

    /** Timing in milliseconds; absent fields take {@link FailoverConfig.Timing#defaults()}. */
    public record TimingSettings(
            Long probeIntervalMs,
            Integer probeThreshold,
            Long heartbeatMs,
            Long fenceTimeoutMs,
            Long restoreMarginMs,
            Long placementTimeoutMs) {}

    private static final ObjectMapper YAML =
            new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * Reads the file.
     *
     * @throws IOException naming the file and what is wrong in it
     */
    public static ClusterSettings load(Path file) throws IOException {
        try {
            ClusterSettings s = YAML.readValue(file.toFile(), ClusterSettings.class);
            if (s.members() == null || s.members().isEmpty()) {
                throw new IOException("no members");
            }
            return s;
        } catch (IOException e) {
            throw new IOException("cluster settings " + file + ": " + e.getMessage(), e);
        }
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
        FailoverConfig.Member self = members.stream()
                .filter(m -> m.name().equals(nodeName))
                .findFirst()
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
