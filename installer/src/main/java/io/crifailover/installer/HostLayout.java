package io.crifailover.installer;

/** Host paths an installation owns. */
public final class HostLayout {

    /** Where the shim, its Java runtime and the launcher are copied (same layout as in the image). */
    public static final String PREFIX = "/opt/cri-failover";
    /** The launcher, {@code cri-failover <command>}. */
    public static final String LAUNCHER = PREFIX + "/bin/cri-failover";
    /** The criu stand-in script inside the prefix. */
    public static final String SNIFFER_SCRIPT = PREFIX + "/sniffer/bin/criu";
    /** Configuration directory. */
    public static final String CONFIG_DIR = "/etc/cri-failover";
    /** The shim service's environment file: runtime endpoint, listen socket, metrics address. */
    public static final String SHIM_ENV = CONFIG_DIR + "/shim.env";
    /** Cluster settings copied from the ConfigMap. */
    public static final String CLUSTER_CONFIG = CONFIG_DIR + "/cluster.yaml";
    /**
     * Key files (0700, files 0600): the cluster key today; per-node placement key pairs go here too
     * (written with purpose {@link Purpose#KEYS}, so uninstall removes them and a change restarts the shim).
     */
    public static final String KEYS_DIR = CONFIG_DIR + "/keys";
    /** The cluster key from the Secret, passed to the shim as {@code --cluster-key}. */
    public static final String CLUSTER_KEY = KEYS_DIR + "/cluster.key";
    /** CRI-O drop-in that allows restore, written only with {@code --configure-runtime}. */
    public static final String CRIO_DROP_IN = "/etc/crio/crio.conf.d/99-cri-failover.conf";
    /** CRI-O's main configuration file and drop-in directory (crio.conf.d(5): lexical order, last wins). */
    public static final String CRIO_CONF = "/etc/crio/crio.conf";

    public static final String CRIO_CONF_DIR = "/etc/crio/crio.conf.d";
    /** The shim's Kubernetes credentials (0700): the pod's service-account token and CA, and a kubeconfig. */
    public static final String KUBE_DIR = CONFIG_DIR + "/kube";

    public static final String KUBE_TOKEN = KUBE_DIR + "/token";
    public static final String KUBE_CA = KUBE_DIR + "/ca.crt";
    /** Passed to the shim as {@code KUBECONFIG} (not {@code --kubeconfig}: see installer/README, credentials). */
    public static final String KUBECONFIG = KUBE_DIR + "/kubeconfig";
    /** The criu stand-in's configuration. */
    public static final String SNIFFER_CONF = CONFIG_DIR + "/sniffer.conf";
    /** systemd unit directory for administrator-installed units. */
    public static final String UNIT_DIR = "/etc/systemd/system";

    public static final String SERVICE_NAME = "cri-failover.service";
    public static final String SOCKET_NAME = "cri-failover.socket";
    public static final String SERVICE_UNIT = UNIT_DIR + "/" + SERVICE_NAME;
    public static final String SOCKET_UNIT = UNIT_DIR + "/" + SOCKET_NAME;
    /** The enablement link systemd's {@code enable} would create. */
    public static final String SERVICE_WANTS_LINK = UNIT_DIR + "/multi-user.target.wants/" + SERVICE_NAME;
    /** Where the criu stand-in is linked: first on the default PATH of systemd services. */
    public static final String CRIU_LINK = "/usr/local/sbin/criu";
    /** Where a real CRIU is looked for, in order. */
    public static final String[] REAL_CRIU_CANDIDATES = {"/usr/sbin/criu", "/usr/bin/criu", "/usr/local/bin/criu"};
    /** Marker that systemd is the host's init. */
    public static final String SYSTEMD_MARKER = "/run/systemd/system";

    private HostLayout() {}
}
