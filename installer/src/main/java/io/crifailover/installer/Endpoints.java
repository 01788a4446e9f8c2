package io.crifailover.installer;

/** Helpers for CRI endpoints ({@code unix:///path}). */
final class Endpoints {

    private Endpoints() {}

    /** {@code unix:///path} for a bare absolute path; other values unchanged. */
    static String normalize(String endpoint) {
        String trimmed = endpoint.trim();
        return trimmed.startsWith("/") ? "unix://" + trimmed : trimmed;
    }

    /** The socket path of a {@code unix://} endpoint. */
    static String socketPath(String endpoint) {
        String normalized = normalize(endpoint);
        if (!normalized.startsWith("unix:///")) {
            throw new IllegalArgumentException("expected a unix:///path endpoint, got '" + endpoint + "'");
        }
        return normalized.substring("unix://".length());
    }
}
