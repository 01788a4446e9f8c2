package io.crifailover.shim.cli;

import io.crifailover.failover.ClusterSettings;
import io.crifailover.failover.FailoverConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The shim's checkpoint-and-failover options; without {@code --cluster} the shim only proxies. */
public final class FailoverOptions {

    @Option(
            names = "--cluster",
            paramLabel = "FILE",
            description = "Cluster settings (YAML: f, ports, members with name/address/replicaId, timing). "
                    + "Turns on checkpointing, failure detection and restore. Without it the shim only proxies.")
    Path cluster;

    @Option(
            names = "--node-name",
            paramLabel = "NAME",
            defaultValue = "${env:NODE_NAME}",
            description = "This node's name, as in the cluster file and the Kubernetes Node. Default: $NODE_NAME")
    String nodeName;

    @Option(
            names = "--state-dir",
            paramLabel = "DIR",
            defaultValue = "/var/lib/cri-failover",
            description = "Private state: checkpoint store, placement replica, temporary files (0700). "
                    + "Default: ${DEFAULT-VALUE}")
    Path stateDir;

    @Option(
            names = "--cluster-key",
            paramLabel = "FILE",
            defaultValue = "/etc/cri-failover/cluster.key",
            description = "Shared key that authenticates node-to-node replication (0600). Default: ${DEFAULT-VALUE}")
    Path clusterKey;

    @Option(
            names = "--kubeconfig",
            paramLabel = "FILE",
            description = "Kubeconfig for the Kubernetes API; default: in-cluster or ~/.kube/config.")
    Path kubeconfig;

    @Option(
            names = "--cpu-flags",
            paramLabel = "FLAG",
            split = ",",
            description = "CPU flags to announce instead of /proc/cpuinfo's (for testing placement).")
    List<String> cpuFlags;

    @Option(
            names = "--capacity",
            paramLabel = "N",
            defaultValue = "10",
            description = "How many restored containers this node takes relative to others. Default: ${DEFAULT-VALUE}")
    int capacity;

    @Option(
            names = "--criu",
            paramLabel = "PATH",
            defaultValue = "criu",
            description = "The CRIU whose own checks (criu check, criu cpuinfo dump) decide at start whether this "
                    + "node can checkpoint; looked up on PATH like runc does. Default: ${DEFAULT-VALUE}")
    String criu;

    @Option(
            names = "--xsave",
            paramLabel = "MASK:SIZE:MAXSIZE",
            description = "Publish these xsave facts instead of the ones CRIU measures here (for testing "
                    + "placement), e.g. 0x207:2440:2440.")
    String xsave;

    @Option(
            names = "--checkpoint-timeout-floor",
            paramLabel = "DURATION",
            converter = Converters.DurationValue.class,
            defaultValue = "30s",
            description = "The least time a runtime checkpoint gets before the shim gives up on it (the deadline "
                    + "is max(this, interval, 4 x slowest of the last 5), at most 120 s). Default: ${DEFAULT-VALUE}")
    java.time.Duration checkpointTimeoutFloor;

    /** How CRIU is checked and bounded on this node. */
    io.crifailover.failover.CriuOptions criuOptions() {
        return new io.crifailover.failover.CriuOptions(
                criu,
                java.time.Duration.ofSeconds(10),
                xsave == null ? null : io.crifailover.placement.Xsave.parse(xsave),
                checkpointTimeoutFloor);
    }

    /** The failover configuration, empty when {@code --cluster} is not given. */
    Optional<FailoverConfig> config() throws IOException {
        if (cluster == null) {
            return Optional.empty();
        }
        if (nodeName == null || nodeName.isBlank()) {
            throw new IllegalArgumentException("--cluster needs --node-name (or $NODE_NAME)");
        }
        return Optional.of(
                ClusterSettings.load(cluster).forNode(nodeName, stateDir, clusterKey, kubeconfig, cpuFlags, capacity));
    }
}
