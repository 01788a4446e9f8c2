package io.crifailover.installer;

import java.nio.charset.StandardCharsets;

/** Text of the files that run the shim as a host service. */
final class ServiceFiles {

    private ServiceFiles() {
    }

    /** {@value HostLayout#SHIM_ENV}: what the service passes to {@code cri-failover shim}. */
    static byte[] environment(InstallSettings settings, RuntimeEndpoint runtime) {
        StringBuilder out = new StringBuilder()
                .append("# Written by `cri-failover install`; `cri-failover uninstall` removes it.\n")
                .append("# The runtime the shim forwards to (").append(runtime.runtime()).append(").\n")
                .append("CRI_FAILOVER_RUNTIME=").append(runtime.endpoint()).append('\n')
                .append("CRI_FAILOVER_LISTEN=").append(settings.listenEndpoint()).append('\n')
                .append("CRI_FAILOVER_METRICS_ADDRESS=").append(settings.metricsAddress()).append('\n')
                .append("# Extra options for `cri-failover shim` (space separated).\n")
                .append("CRI_FAILOVER_EXTRA_ARGS=").append(settings.extraShimArgs()).append('\n')
                .append("JAVA_OPTS=").append(settings.javaOptions()).append('\n');
        settings.nodeName().ifPresent(name -> out.append("NODE_NAME=").append(name).append('\n'));
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The service unit. It binds the socket itself ({@code cri-failover shim} does not take an
     * inherited socket yet), so it works without the socket unit.
     */
    static byte[] serviceUnit() {
        return String.join("\n",
                "# Written by `cri-failover install`; `cri-failover uninstall` removes it.",
                "[Unit]",
                "Description=cri-failover CRI proxy between kubelet and the container runtime",
                "Documentation=https://github.com/cri-failover/cri-failover",
                "After=network-online.target containerd.service crio.service",
                "Wants=network-online.target",
                "Before=kubelet.service",
                "",
                "[Service]",
                "Type=simple",
                "EnvironmentFile=" + HostLayout.SHIM_ENV,
                "ExecStart=" + HostLayout.LAUNCHER + " shim --listen ${CRI_FAILOVER_LISTEN} --runtime ${CRI_FAILOVER_RUNTIME}"
                        + " --metrics-address ${CRI_FAILOVER_METRICS_ADDRESS} $CRI_FAILOVER_EXTRA_ARGS",
                "Restart=always",
                "RestartSec=1",
                "KillMode=mixed",
                "TimeoutStopSec=15",
                "LimitNOFILE=1048576",
                "OOMScoreAdjust=-999",
                "",
                "[Install]",
                "WantedBy=multi-user.target",
                "").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The socket unit for socket activation (systemd binds the socket at boot, before the service
     * runs). Written but enabled only with {@code --socket-activation}, which needs a shim that
     * accepts the socket from systemd ({@code LISTEN_FDS}).
     */
    static byte[] socketUnit(String listenEndpoint) {
        return String.join("\n",
                "# Written by `cri-failover install`; `cri-failover uninstall` removes it.",
                "[Unit]",
                "Description=cri-failover CRI socket (kubelet's runtime endpoint)",
                "PartOf=" + HostLayout.SERVICE_NAME,
                "",
                "[Socket]",
                "ListenStream=" + Endpoints.socketPath(listenEndpoint),
                "SocketMode=0660",
                "DirectoryMode=0750",
                "RemoveOnStop=yes",
                "Service=" + HostLayout.SERVICE_NAME,
                "",
                "[Install]",
                "WantedBy=sockets.target",
                "").getBytes(StandardCharsets.UTF_8);
    }

    /** The criu stand-in's settings: off until the flag file exists; Java and jars from the prefix. */
    static byte[] snifferConf(String realCriu) {
        return String.join("\n",
                "# Written by `cri-failover install`; `cri-failover uninstall` removes it.",
                "# The criu stand-in passes every call straight to REAL_CRIU unless SNIFF_FLAG exists",
                "# (enable: touch /run/cri-failover/sniff.enabled; disable: rm it).",
                "REAL_CRIU=" + realCriu,
                "SNIFF_FLAG=/run/cri-failover/sniff.enabled",
                "SNIFFER_HOME=" + HostLayout.PREFIX + "/sniffer",
                "SNIFFER_CLASSPATH='" + HostLayout.PREFIX + "/app/classpath/*:" + HostLayout.PREFIX + "/app/libs/*'",
                "JAVA=" + HostLayout.PREFIX + "/jre/bin/java",
                "CAPTURE_DIR=/var/lib/cri-failover/sniffer",
                "KEEP_CAPTURES=500",
                "RESERVE_FDS=64",
                "").getBytes(StandardCharsets.UTF_8);
    }
}
