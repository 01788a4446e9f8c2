package io.crifailover.installer;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What to install and where.
 *
 * @param source          the shim's files to copy (the image's {@value HostLayout#PREFIX}: jre/, app/, bin/, sniffer/)
 * @param runtimeEndpoint the runtime to forward to; empty means detect it
 * @param listenEndpoint  the shim's socket, kubelet's new runtime endpoint
 * @param metricsAddress  the shim's metrics listener ({@code host:port} or {@code none})
 * @param kubeletConfig   host path of kubelet's configuration file
 * @param clusterConfig   cluster settings (the mounted ConfigMap file) to copy to the host, if any
 * @param clusterKey      the cluster key file (the mounted Secret) to copy to {@value HostLayout#CLUSTER_KEY}
 * @param nodeName        this node's name, passed to the shim
 * @param extraShimArgs   more options for {@code cri-failover shim}
 * @param javaOptions     JVM options for the service
 * @param socketActivation enable the socket unit: systemd holds kubelet's socket, the shim serves on it
 * @param sniffer         install the criu stand-in (always installed switched off)
 * @param configureRuntime let the installer switch on restore in CRI-O with a drop-in (uninstall removes it)
 * @param apiAccess       copy this service account's credentials to the host and give the shim a kubeconfig
 */
public record InstallSettings(
        Path source,
        Optional<String> runtimeEndpoint,
        String listenEndpoint,
        String metricsAddress,
        String kubeletConfig,
        Optional<Path> clusterConfig,
        Optional<Path> clusterKey,
        Optional<String> nodeName,
        String extraShimArgs,
        String javaOptions,
        boolean socketActivation,
        boolean sniffer,
        boolean configureRuntime,
        Optional<ApiAccess> apiAccess) {

    public static final String DEFAULT_LISTEN = "unix:///run/cri-failover/cri.sock";
    public static final String DEFAULT_METRICS = "127.0.0.1:9464";
    /**
     * The shim's JVM: serial GC; a small initial heap and a periodic trim of the C heap, so that
     * memory taken by a burst of huge messages goes back to the system afterwards (see the shim's
     * README, memory).
     */
    public static final String DEFAULT_JAVA_OPTIONS =
            "-XX:+UseSerialGC -Xms32m -XX:TrimNativeHeapInterval=5000 -XX:+ExitOnOutOfMemoryError -Xss512k";

    /** Defaults for everything but the source. */
    public static InstallSettings defaults(Path source) {
        return new InstallSettings(
                source,
                Optional.empty(),
                DEFAULT_LISTEN,
                DEFAULT_METRICS,
                KubeletWiring.DEFAULT_CONFIG,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                "",
                DEFAULT_JAVA_OPTIONS,
                false,
                true,
                false,
                Optional.empty());
    }

    public InstallSettings withRuntimeEndpoint(String endpoint) {
        return new InstallSettings(
                source,
                Optional.of(endpoint),
                listenEndpoint,
                metricsAddress,
                kubeletConfig,
                clusterConfig,
                clusterKey,
                nodeName,
                extraShimArgs,
                javaOptions,
                socketActivation,
                sniffer,
                configureRuntime,
                apiAccess);
    }

    public InstallSettings withClusterConfig(Path file) {
        return new InstallSettings(
                source,
                runtimeEndpoint,
                listenEndpoint,
                metricsAddress,
                kubeletConfig,
                Optional.of(file),
                clusterKey,
                nodeName,
                extraShimArgs,
                javaOptions,
                socketActivation,
                sniffer,
                configureRuntime,
                apiAccess);
    }

    /** Failover for node {@code node}: the cluster settings (ConfigMap) and the cluster key (Secret) files. */
    public InstallSettings withFailover(Path settingsFile, Path keyFile, String node) {
        return new InstallSettings(
                source,
                runtimeEndpoint,
                listenEndpoint,
                metricsAddress,
                kubeletConfig,
                Optional.of(settingsFile),
                Optional.of(keyFile),
                Optional.of(node),
                extraShimArgs,
                javaOptions,
                socketActivation,
                sniffer,
                configureRuntime,
                apiAccess);
    }

    public InstallSettings withSocketActivation(boolean enabled) {
        return new InstallSettings(
                source,
                runtimeEndpoint,
                listenEndpoint,
                metricsAddress,
                kubeletConfig,
                clusterConfig,
                clusterKey,
                nodeName,
                extraShimArgs,
                javaOptions,
                enabled,
                sniffer,
                configureRuntime,
                apiAccess);
    }

    public InstallSettings withConfigureRuntime(boolean enabled) {
        return new InstallSettings(
                source,
                runtimeEndpoint,
                listenEndpoint,
                metricsAddress,
                kubeletConfig,
                clusterConfig,
                clusterKey,
                nodeName,
                extraShimArgs,
                javaOptions,
                socketActivation,
                sniffer,
                enabled,
                apiAccess);
    }

    public InstallSettings withApiAccess(ApiAccess access) {
        return new InstallSettings(
                source,
                runtimeEndpoint,
                listenEndpoint,
                metricsAddress,
                kubeletConfig,
                clusterConfig,
                clusterKey,
                nodeName,
                extraShimArgs,
                javaOptions,
                socketActivation,
                sniffer,
                configureRuntime,
                Optional.of(access));
    }
}
