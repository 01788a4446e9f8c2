package io.crifailover.installer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the container runtime the shim must forward to. In order: an explicit endpoint; the
 * endpoint kubelet uses now (unless that is already the shim); the one a previous installation
 * recorded; a runtime socket present on the host (CRI-O, then containerd). Two different runtime
 * sockets and nothing else to go by is an error, not a guess.
 */
final class RuntimeDetector {

    /** Well-known sockets, CRI-O first (the production runtime). */
    static final Map<String, String> KNOWN_SOCKETS = new LinkedHashMap<>();

    static {
        KNOWN_SOCKETS.put("/var/run/crio/crio.sock", "CRI-O");
        KNOWN_SOCKETS.put("/run/crio/crio.sock", "CRI-O");
        KNOWN_SOCKETS.put("/run/containerd/containerd.sock", "containerd");
        KNOWN_SOCKETS.put("/var/run/containerd/containerd.sock", "containerd");
    }

    private final HostRoot host;

    RuntimeDetector(HostRoot host) {
        this.host = host;
    }

    RuntimeEndpoint detect(
            Optional<String> explicit, Optional<String> kubeletEndpoint, String shimEndpoint, Optional<String> recorded)
            throws IOException {
        if (explicit.isPresent()) {
            String endpoint = Endpoints.normalize(explicit.get());
            return new RuntimeEndpoint(endpoint, runtimeName(endpoint), "--runtime-endpoint");
        }
        Optional<String> fromKubelet =
                kubeletEndpoint.map(Endpoints::normalize).filter(e -> !e.equals(Endpoints.normalize(shimEndpoint)));
        if (fromKubelet.isPresent()) {
            return new RuntimeEndpoint(fromKubelet.get(), runtimeName(fromKubelet.get()), "kubelet's current endpoint");
        }
        if (recorded.isPresent()) {
            return new RuntimeEndpoint(recorded.get(), runtimeName(recorded.get()), "previous installation");
        }
        List<RuntimeEndpoint> found = new ArrayList<>();
        List<Path> seen = new ArrayList<>();
        for (Map.Entry<String, String> known : KNOWN_SOCKETS.entrySet()) {
            if (host.exists(known.getKey())) {
                Path real = host.resolve(known.getKey());
                if (!seen.contains(real)) {
                    seen.add(real);
                    found.add(new RuntimeEndpoint("unix://" + known.getKey(), known.getValue(), "socket on the host"));
                }
            }
        }
        if (found.isEmpty()) {
            throw new IOException("no container runtime socket found under " + host + " (looked for "
                    + String.join(", ", KNOWN_SOCKETS.keySet()) + "); pass --runtime-endpoint");
        }
        if (found.size() > 1) {
            throw new IOException("more than one runtime socket found under " + host + ": " + found
                    + "; pass --runtime-endpoint to choose");
        }
        return found.get(0);
    }

    static String runtimeName(String endpoint) {
        if (endpoint.contains("crio")) {
            return "CRI-O";
        }
        if (endpoint.contains("containerd")) {
            return "containerd";
        }
        return "CRI runtime";
    }
}
