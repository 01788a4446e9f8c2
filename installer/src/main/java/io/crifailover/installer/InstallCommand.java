package io.crifailover.installer;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cri-failover install}: puts the shim on the host as a service and points kubelet at it. */
@Command(
        name = "install",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Install the shim on the host mounted at --host-root: copy it and its Java runtime to",
            "/opt/cri-failover, write cri-failover.service (and .socket), detect the runtime (CRI-O or",
            "containerd), point kubelet's runtime endpoint at the shim and restart kubelet.",
            "Every changed file is recorded in /var/lib/cri-failover/installer-state.json so that",
            "'cri-failover uninstall' restores it byte for byte. Running it again changes nothing.",
            ""
        })
public final class InstallCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HostAccess host;

    @Option(
            names = "--source",
            paramLabel = "DIR",
            defaultValue = HostLayout.PREFIX,
            description = "The files to install (jre/, app/, bin/cri-failover, sniffer/). Default: ${DEFAULT-VALUE}")
    Path source;

    @Option(
            names = "--runtime-endpoint",
            paramLabel = "ENDPOINT",
            description =
                    "The runtime to forward to; default: kubelet's current endpoint, else the CRI-O or containerd socket found")
    String runtimeEndpoint;

    @Option(
            names = "--listen",
            paramLabel = "ENDPOINT",
            defaultValue = InstallSettings.DEFAULT_LISTEN,
            description = "The shim's socket, kubelet's new runtime endpoint. Default: ${DEFAULT-VALUE}")
    String listen;

    @Option(
            names = "--metrics-address",
            paramLabel = "HOST:PORT",
            defaultValue = InstallSettings.DEFAULT_METRICS,
            description = "The shim's metrics listener. Default: ${DEFAULT-VALUE}")
    String metricsAddress;

    @Option(
            names = "--kubelet-config",
            paramLabel = "HOSTPATH",
            defaultValue = KubeletWiring.DEFAULT_CONFIG,
            description = "kubelet's configuration file on the host. Default: ${DEFAULT-VALUE}")
    String kubeletConfig;

    @Option(
            names = "--cluster-config",
            paramLabel = "FILE",
            description = "Cluster settings to copy to /etc/cri-failover/cluster.yaml (the mounted ConfigMap)")
    Path clusterConfig;

    @Option(
            names = "--cluster-key-file",
            paramLabel = "FILE",
            description = {
                "The cluster key (the mounted Secret " + FailoverSetup.SECRET
                        + ", base64 of at least 32 bytes), copied to",
                HostLayout.CLUSTER_KEY + " (0600) when this node is a member of --cluster-config"
            })
    Path clusterKeyFile;

    @Option(
            names = "--configure-runtime",
            description = {
                "On CRI-O nodes whose running configuration does not allow restore, write",
                HostLayout.CRIO_DROP_IN + " (container_level_enabled = \"checkpoint_restore\", or",
                "enable_criu_support = true on older CRI-O) and restart crio; uninstall removes it.",
                "Without it the installer only reports the setting and how to change it."
            })
    boolean configureRuntime;

    @Option(
            names = "--node-name",
            paramLabel = "NAME",
            defaultValue = "${env:NODE_NAME}",
            description = "This node's name, passed to the shim. Default: $NODE_NAME")
    String nodeName;

    @Option(
            names = "--shim-args",
            paramLabel = "ARGS",
            defaultValue = "",
            description = "More options for 'cri-failover shim' in the service")
    String shimArgs;

    @Option(
            names = "--java-options",
            paramLabel = "OPTS",
            defaultValue = InstallSettings.DEFAULT_JAVA_OPTIONS,
            description = "JVM options of the service. Default: ${DEFAULT-VALUE}")
    String javaOptions;

    @Option(
            names = "--socket-activation",
            description =
                    "Enable cri-failover.socket: systemd holds kubelet's socket "
                            + "(0600) and passes it to the shim, so kubelet's connections wait in its backlog while the shim restarts")
    boolean socketActivation;

    @Option(names = "--no-sniffer", negatable = false, description = "Do not install the criu stand-in")
    boolean noSniffer;

    @Option(
            names = "--sync-service-account",
            description = {
                "Give the shim this pod's service account: copy its token and CA to /etc/cri-failover/kube (0600),",
                "write a kubeconfig there (KUBECONFIG in shim.env), then keep running and copy the token again",
                "every --sync-interval seconds when kubelet has rotated it. Never returns."
            })
    boolean syncServiceAccount;

    @Option(
            names = "--sync-interval",
            paramLabel = "SECONDS",
            defaultValue = "60",
            description = "How often --sync-service-account checks the token. Default: ${DEFAULT-VALUE}")
    int syncIntervalSeconds;

    @Option(
            names = "--service-account-dir",
            paramLabel = "DIR",
            defaultValue = ApiAccess.DEFAULT_SERVICE_ACCOUNT_DIR,
            description = "The pod's service-account token, ca.crt and namespace. Default: ${DEFAULT-VALUE}")
    Path serviceAccountDir;

    @Option(
            names = "--api-server",
            paramLabel = "URL",
            description =
                    "API server URL for the shim's kubeconfig. Default: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT")
    URI apiServer;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        InstallSettings settings = new InstallSettings(
                source,
                Optional.ofNullable(runtimeEndpoint),
                listen,
                metricsAddress,
                kubeletConfig,
                Optional.ofNullable(clusterConfig),
                Optional.ofNullable(clusterKeyFile),
                Optional.ofNullable(nodeName).filter(n -> !n.isBlank()),
                shimArgs,
                javaOptions,
                socketActivation,
                !noSniffer,
                configureRuntime,
                Optional.empty());
        if (syncIntervalSeconds < 1) {
            err.println("cri-failover install: --sync-interval must be at least 1 second");
            return 2;
        }
        InstallReport report;
        try {
            if (syncServiceAccount) {
                settings = settings.withApiAccess(new ApiAccess(
                        apiServer != null ? apiServer : ApiAccess.serverFromEnvironment(System.getenv()),
                        serviceAccountDir));
            }
            report = new Installer(host.root(), host.commands()).install(settings);
        } catch (IOException | IllegalArgumentException e) {
            err.println("cri-failover install: " + e.getMessage());
            return 1;
        }
        out.println("runtime: " + report.runtime());
        out.println(
                report.unchanged()
                        ? "host already up to date"
                        : "changed " + report.changed().size() + " host paths");
        report.printCommandsAndWarnings(out);
        out.flush();
        if (syncServiceAccount) {
            keepCredentialsFresh(settings.apiAccess().get(), out, err);
        }
        return 0;
    }

    /** Copies rotated service-account credentials to the host until interrupted (the pod stops). */
    private void keepCredentialsFresh(ApiAccess access, PrintWriter out, PrintWriter err) {
        CredentialSync sync = new CredentialSync(host.root(), access);
        out.println("keeping " + HostLayout.KUBE_DIR + " fresh every " + syncIntervalSeconds + " s");
        out.flush();
        boolean installed = true;
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(syncIntervalSeconds * 1000L);
            } catch (InterruptedException e) {
                return;
            }
            try {
                CredentialSync.Result result = sync.syncOnce();
                if (result.installed() != installed) {
                    installed = result.installed();
                    out.println(
                            installed
                                    ? "credentials installed again: syncing"
                                    : "credentials are not installed (uninstalled?): not syncing until they are");
                }
                result.changed().forEach(path -> out.println("updated " + path));
            } catch (IOException | RuntimeException e) {
                err.println("cri-failover install: syncing credentials failed (retrying in " + syncIntervalSeconds
                        + " s): " + e.getMessage());
                err.flush();
            }
            out.flush();
        }
    }
}
