package io.crifailover.installer;

import io.crifailover.failover.ClusterSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Whether the shim on this node runs failover, decided before the host is touched. The cluster
 * settings (the mounted ConfigMap) are parsed and checked for this node with the shim's own
 * {@link ClusterSettings}, so a ConfigMap the shim would reject fails the install instead of
 * crash-looping the service. Failover is on when the node is a member; the unit then passes
 * {@code --cluster}, {@code --cluster-key} and {@code --node-name}. A node that is not (yet) a member
 * only proxies, with a warning.
 *
 * @param settingsText the cluster settings to copy to {@value HostLayout#CLUSTER_CONFIG}, if given
 * @param clusterKey   the cluster key file's text (base64, at least 32 bytes), when failover is on
 */
record FailoverSetup(Optional<byte[]> settingsText, Optional<byte[]> clusterKey) {

    /** The Secret the operator creates (deploy/README); its key {@value #SECRET_KEY} is mounted as a file. */
    static final String SECRET = "cri-failover-cluster-key";

    static final String SECRET_KEY = "key";
    /** The one-liner that creates the Secret, printed when it is missing. */
    static final String CREATE_SECRET = "kubectl -n cri-failover create secret generic " + SECRET + " --from-literal="
            + SECRET_KEY + "=\"$(head -c32 /dev/urandom | base64)\"";

    /** Whether the shim gets the failover options. */
    boolean enabled() {
        return clusterKey.isPresent();
    }

    /** Reads and checks the settings and the key; adds a warning when the node only proxies. */
    static FailoverSetup of(InstallSettings settings, List<String> warnings) throws IOException {
        if (settings.clusterConfig().isEmpty()) {
            if (settings.clusterKey().isPresent()) {
                warnings.add("--cluster-key-file without --cluster-config: the key is not installed, the shim only"
                        + " proxies");
            }
            return new FailoverSetup(Optional.empty(), Optional.empty());
        }
        Path file = settings.clusterConfig().get();
        if (!Files.isRegularFile(file)) {
            throw new IOException("cluster settings file " + file + " does not exist (is the ConfigMap mounted?)");
        }
        byte[] text = Files.readAllBytes(file);
        ClusterSettings cluster = ClusterSettings.parse(new String(text, StandardCharsets.UTF_8), file.toString());
        String node = settings.nodeName()
                .orElseThrow(() -> new IOException(
                        "--cluster-config needs the node name (--node-name or $NODE_NAME from the downward API)"));
        if (cluster.member(node).isEmpty()) {
            warnings.add("node " + node + " is not among the members in " + file + ": the shim only proxies here"
                    + " (add it to the ConfigMap's members and re-run the installer to protect it)");
            return new FailoverSetup(Optional.of(text), Optional.empty());
        }
        try {
            cluster.forNode(node, Path.of(StateFile.HOST_DIR), Path.of(HostLayout.CLUSTER_KEY), null, List.of(), 1);
        } catch (IllegalArgumentException e) {
            throw new IOException("cluster settings " + file + " for node " + node + ": " + e.getMessage(), e);
        }
        return new FailoverSetup(Optional.of(text), Optional.of(clusterKey(settings.clusterKey())));
    }

    /** The key file's text: base64 of at least 32 bytes, as {@code head -c32 /dev/urandom | base64} makes. */
    static byte[] clusterKey(Optional<Path> source) throws IOException {
        Path file = source.orElseThrow(() -> new IOException(
                "failover needs the cluster key: pass --cluster-key-file (the mounted Secret " + SECRET + ")"));
        if (!Files.isRegularFile(file)) {
            throw new IOException("no cluster key at " + file + " (has the Secret " + SECRET
                    + " been created?); create it once for the cluster with:\n  " + CREATE_SECRET);
        }
        String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
        byte[] key;
        try {
            key = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IOException("cluster key " + file + " is not base64: " + e.getMessage() + "; create the Secret"
                    + " with:\n  " + CREATE_SECRET);
        }
        if (key.length < 32) {
            throw new IOException("cluster key " + file + " holds " + key.length + " bytes, at least 32 are needed;"
                    + " create the Secret with:\n  " + CREATE_SECRET);
        }
        return (text + "\n").getBytes(StandardCharsets.US_ASCII);
    }
}
