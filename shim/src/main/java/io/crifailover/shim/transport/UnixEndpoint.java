package io.crifailover.shim.transport;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A unix socket endpoint given as {@code unix:///path} (kubelet's syntax) or as a plain absolute path. */
public record UnixEndpoint(Path path) {

    /** Longest socket path the kernel accepts (sun_path is 108 bytes including the terminating NUL). */
    public static final int MAX_PATH_BYTES = 107;

    public UnixEndpoint {
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException("unix socket path must be absolute: " + path);
        }
        int length = path.toString().getBytes(StandardCharsets.UTF_8).length;
        if (length > MAX_PATH_BYTES) {
            throw new IllegalArgumentException("unix socket path is " + length + " bytes, longer than the "
                    + MAX_PATH_BYTES + " the kernel allows: " + path);
        }
    }

    /** Parses {@code unix:///run/x.sock}, {@code unix:/run/x.sock} or {@code /run/x.sock}. */
    public static UnixEndpoint parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty endpoint; expected unix:///path/to/socket");
        }
        String path;
        if (text.startsWith("unix://")) {
            path = text.substring("unix://".length());
        } else if (text.startsWith("unix:")) {
            path = text.substring("unix:".length());
        } else if (text.contains("://")) {
            throw new IllegalArgumentException("unsupported endpoint '" + text + "'; only unix:///path is supported");
        } else {
            path = text;
        }
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("endpoint '" + text + "' must name an absolute socket path, "
                    + "e.g. unix:///run/containerd/containerd.sock");
        }
        return new UnixEndpoint(Path.of(path));
    }

    @Override
    public String toString() {
        return "unix://" + path;
    }
}
