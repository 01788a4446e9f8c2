package io.crifailover.installer;

/** Why the installer touched a host path; uninstall undoes the groups in a safe order. */
public enum Purpose {
    /** The installer's own state directory (undone last). */
    STATE,
    /** The shim's files: Java runtime, jars, launcher. */
    PAYLOAD,
    /** systemd units and the shim's environment file. */
    SERVICE,
    /** The service account's token, CA and kubeconfig for the shim (kept fresh by the sync loop; no restart). */
    CREDENTIALS,
    /** Key files: the cluster key (later also per-node placement keys); a change restarts the shim. */
    KEYS,
    /** The container runtime's drop-in that allows restore; writing or removing it restarts the runtime. */
    RUNTIME,
    /** The criu stand-in's link and configuration. */
    SNIFFER,
    /** kubelet's configuration or flag file (undone first, then kubelet restarts). */
    KUBELET
}
