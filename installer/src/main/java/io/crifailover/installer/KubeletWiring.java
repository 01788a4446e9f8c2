package io.crifailover.installer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where kubelet takes its runtime endpoint from on this host, and how to point it elsewhere.
 *
 * <p>kubelet flags override its configuration file, so: if any kubelet environment file passes
 * {@code --container-runtime-endpoint} (kubeadm's flag file, {@code /etc/default/kubelet},
 * {@code /etc/sysconfig/kubelet}), those files are edited; otherwise the configuration file's
 * {@code containerRuntimeEndpoint}; with no configuration file, the flag is added to kubeadm's
 * flag file. No kubelet files at all is an error.
 */
final class KubeletWiring {

    /** kubeadm's flag file. */
    static final String KUBEADM_FLAGS = "/var/lib/kubelet/kubeadm-flags.env";
    /** Environment files distributions use for extra kubelet flags. */
    static final List<String> FLAG_FILES = List.of(KUBEADM_FLAGS, "/etc/default/kubelet", "/etc/sysconfig/kubelet");
    /** kubelet's configuration file as kubeadm writes it. */
    static final String DEFAULT_CONFIG = "/var/lib/kubelet/config.yaml";

    /** One file to edit and its kind. */
    record Target(String hostPath, boolean flagFile) {}

    private final HostRoot host;
    private final String configPath;

    KubeletWiring(HostRoot host, String configPath) {
        this.host = host;
        this.configPath = configPath;
    }

    /** The files that decide kubelet's runtime endpoint. */
    List<Target> targets() throws IOException {
        List<Target> flagTargets = new ArrayList<>();
        for (String flagFile : FLAG_FILES) {
            Optional<String> content = read(flagFile);
            if (content.isPresent()
                    && KubeletFlagsEditor.endpoint(content.get()).isPresent()) {
                flagTargets.add(new Target(flagFile, true));
            }
        }
        if (!flagTargets.isEmpty()) {
            return flagTargets;
        }
        if (read(configPath).isPresent()) {
            return List.of(new Target(configPath, false));
        }
        if (read(KUBEADM_FLAGS).isPresent()) {
            return List.of(new Target(KUBEADM_FLAGS, true));
        }
        throw new IOException("no kubelet configuration under " + host + ": expected " + configPath + " or "
                + KUBEADM_FLAGS + " (pass --kubelet-config if kubelet reads its configuration elsewhere)");
    }

    /** The endpoint kubelet uses now, per {@link #targets()}. */
    Optional<String> currentEndpoint() throws IOException {
        for (Target target : targets()) {
            Optional<String> endpoint =
                    endpointIn(target, read(target.hostPath()).orElseThrow());
            if (endpoint.isPresent()) {
                return endpoint;
            }
        }
        return Optional.empty();
    }

    /** The content {@code target} must have to point kubelet at {@code endpoint}. */
    byte[] edited(Target target, String endpoint) throws IOException {
        String content = read(target.hostPath()).orElseThrow(() -> new IOException(target.hostPath() + " vanished"));
        String where = host.root() + target.hostPath();
        if (target.flagFile()) {
            return KubeletFlagsEditor.withEndpoint(content, endpoint, where).getBytes(StandardCharsets.UTF_8);
        }
        return KubeletConfigEditor.withEndpoint(content.getBytes(StandardCharsets.UTF_8), endpoint, where);
    }

    /** Mode of the existing file, kept when it is rewritten. */
    int mode(Target target) throws IOException {
        return FileModes.mode(host.locate(target.hostPath()));
    }

    private Optional<String> endpointIn(Target target, String content) throws IOException {
        return target.flagFile()
                ? KubeletFlagsEditor.endpoint(content)
                : KubeletConfigEditor.endpoint(
                        content.getBytes(StandardCharsets.UTF_8), host.root() + target.hostPath());
    }

    private Optional<String> read(String hostPath) throws IOException {
        Path path = host.resolve(hostPath);
        if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        return Optional.of(Files.readString(path, StandardCharsets.UTF_8));
    }
}
