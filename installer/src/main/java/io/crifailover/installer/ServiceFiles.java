package io.crifailover.installer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Text of the files that run the shim as a host service. */
final class ServiceFiles {

    /** {@code FileDescriptorName=} of the socket; the name the shim looks for when several are passed. */
    static final String FD_NAME = "cri";

    /** The shim options that switch failover on (see {@link FailoverSetup}). */
    static final String FAILOVER_ARGS = " --cluster " + HostLayout.CLUSTER_CONFIG + " --cluster-key "
            + HostLayout.CLUSTER_KEY + " --node-name ${NODE_NAME}";

    private ServiceFiles() {}

    /** {@value HostLayout#SHIM_ENV}: what the service passes to {@code cri-failover shim}. */
    static byte[] environment(InstallSettings settings, RuntimeEndpoint runtime) {
        StringBuilder out = new StringBuilder()
                .append("# Written by `cri-failover install`; `cri-failover uninstall` removes it.\n")
                .append("# The runtime the shim forwards to (")
                .append(runtime.runtime())
                .append(").\n")
                .append("CRI_FAILOVER_RUNTIME=")
                .append(runtime.endpoint())
                .append('\n')
                .append("CRI_FAILOVER_LISTEN=")
                .append(settings.listenEndpoint())
                .append('\n')
                .append("CRI_FAILOVER_METRICS_ADDRESS=")
                .append(settings.metricsAddress())
                .append('\n')
                .append("# Extra options for `cri-failover shim` (space separated).\n")
                .append("CRI_FAILOVER_EXTRA_ARGS=")
                .append(settings.extraShimArgs())
                .append('\n')
                .append("JAVA_OPTS=")
                .append(settings.javaOptions())
                .append('\n');
        settings.nodeName()
                .ifPresent(name -> out.append("NODE_NAME=").append(name).append('\n'));
        if (settings.apiAccess().isPresent()) {
            out.append(
                            "# The Kubernetes API as the installer pod's service account (token kept fresh by the installer;\n")
                    .append("# fabric8 re-reads this file every minute, which --kubeconfig would not do).\n")
                    .append("KUBECONFIG=")
                    .append(HostLayout.KUBECONFIG)
                    .append('\n');
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The service unit. Without socket activation the shim binds {@code CRI_FAILOVER_LISTEN} itself.
     * With it, the service requires and follows {@value HostLayout#SOCKET_NAME}, and the shim serves
     * on the socket systemd passes ({@code LISTEN_FDS}); kubelet's connections then wait in the
     * socket's backlog while the shim restarts instead of being refused. With {@code failover} the shim
     * gets the cluster settings, the cluster key and the node name ({@code NODE_NAME} in the
     * environment file, from the DaemonSet's downward API); without, it only proxies.
     */
    static byte[] serviceUnit(boolean socketActivation, boolean failover) {
        List<String> lines = new ArrayList<>(List.of(
                "# Written by `cri-failover install`; `cri-failover uninstall` removes it.",
                "[Unit]",
                "Description=cri-failover CRI proxy between kubelet and the container runtime",
                "Documentation=https://github.com/cri-failover/cri-failover",
                "After=network-online.target containerd.service crio.service",
                "Wants=network-online.target",
                "Before=kubelet.service"));
        if (socketActivation) {
            lines.add("Requires=" + HostLayout.SOCKET_NAME);
            lines.add("After=" + HostLayout.SOCKET_NAME);
        }
        lines.addAll(List.of(
                "",
                "[Service]",
                "Type=simple",
                "EnvironmentFile=" + HostLayout.SHIM_ENV,
                "ExecStart=" + HostLayout.LAUNCHER
                        + " shim --listen ${CRI_FAILOVER_LISTEN} --runtime ${CRI_FAILOVER_RUNTIME}"
                        + " --metrics-address ${CRI_FAILOVER_METRICS_ADDRESS}"
                        + (failover ? FAILOVER_ARGS : "")
                        + " $CRI_FAILOVER_EXTRA_ARGS",
                "Restart=always",
                "RestartSec=1",
                "KillMode=mixed",
                "TimeoutStopSec=15",
                "LimitNOFILE=1048576",
                "OOMScoreAdjust=-999",
                "",
                "[Install]",
                "WantedBy=multi-user.target",
                ""));
        return String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The socket unit for socket activation: systemd binds kubelet's socket at boot and keeps it
     * while the shim restarts. Root only (0600, root:root; the shim's peer check applies on top),
     * named {@value #FD_NAME} for the shim. Written always, enabled only with
     * {@code --socket-activation}.
     */
    static byte[] socketUnit(String listenEndpoint) {
        return String.join(
                        "\n",
                        "# Written by `cri-failover install`; `cri-failover uninstall` removes it.",
                        "[Unit]",
                        "Description=cri-failover CRI socket (kubelet's runtime endpoint)",
                        "PartOf=" + HostLayout.SERVICE_NAME,
                        "",
                        "[Socket]",
                        "ListenStream=" + Endpoints.socketPath(listenEndpoint),
                        "SocketUser=root",
                        "SocketGroup=root",
                        "SocketMode=0600",
                        "DirectoryMode=0750",
                        "FileDescriptorName=" + FD_NAME,
                        "RemoveOnStop=yes",
                        "Service=" + HostLayout.SERVICE_NAME,
                        "",
                        "[Install]",
                        "WantedBy=sockets.target",
                        "")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The criu stand-in's settings: off until the flag file exists; Java and jars from the prefix. */
    static byte[] snifferConf(String realCriu) {
        return String.join(
                        "\n",
                        "# Written by `cri-failover install`; `cri-failover uninstall` removes it.",
                        "# The criu stand-in passes every call straight to REAL_CRIU unless SNIFF_FLAG exists",
                        "# (enable: touch /run/cri-failover/sniff.enabled; disable: rm it).",
                        "REAL_CRIU=" + realCriu,
                        "SNIFF_FLAG=/run/cri-failover/sniff.enabled",
                        "SNIFFER_HOME=" + HostLayout.PREFIX + "/sniffer",
                        "SNIFFER_CLASSPATH='" + HostLayout.PREFIX + "/app/classpath/*:" + HostLayout.PREFIX
                                + "/app/libs/*'",
                        "JAVA=" + HostLayout.PREFIX + "/jre/bin/java",
                        "CAPTURE_DIR=/var/lib/cri-failover/sniffer",
                        "KEEP_CAPTURES=500",
                        "RESERVE_FDS=64",
                        "")
                .getBytes(StandardCharsets.UTF_8);
    }
}
