package io.crifailover.sniffer;

import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/**
 * Settings of one sniffer run, handed over by the launcher as system properties.
 *
 * @param realCriu     the real CRIU binary ({@code sniffer.realCriu}, default /usr/sbin/criu)
 * @param captureDir   where capture files go ({@code sniffer.captureDir})
 * @param inheritedFds fds (besides 0-2) the launcher inherited from the runtime ({@code sniffer.inheritedFds}, comma separated);
 *                     they are handed to CRIU at the same numbers
 * @param reservedBelow fds 3..reservedBelow-1 that are not inherited hold /dev/null placeholders opened by the
 *                     launcher, so the JVM never takes them and they can receive copies of the runtime's fds
 *                     ({@code sniffer.reservedBelow})
 * @param keepCaptures how many capture files to keep ({@code sniffer.keepCaptures})
 */
public record SnifferSettings(
        Path realCriu, Path captureDir, Set<Integer> inheritedFds, int reservedBelow, int keepCaptures) {
    public static final String DEFAULT_CAPTURE_DIR = "/var/lib/cri-failover/sniffer";

    public SnifferSettings {
        inheritedFds = Set.copyOf(inheritedFds);
        if (keepCaptures < 1) {
            throw new IllegalArgumentException("sniffer.keepCaptures must be at least 1, got " + keepCaptures);
        }
    }

    /** Reads the settings from system properties. */
    public static SnifferSettings fromSystemProperties() {
        return new SnifferSettings(
                Path.of(System.getProperty("sniffer.realCriu", "/usr/sbin/criu")),
                Path.of(System.getProperty("sniffer.captureDir", DEFAULT_CAPTURE_DIR)),
                parseFds(System.getProperty("sniffer.inheritedFds", "")),
                integer("sniffer.reservedBelow", 0),
                integer("sniffer.keepCaptures", 500));
    }

    /** Placeholder fds: reserved numbers the runtime did not hand us. */
    public Set<Integer> placeholderFds() {
        Set<Integer> p = new TreeSet<>();
        for (int fd = 3; fd < reservedBelow; fd++) {
            if (!inheritedFds.contains(fd)) {
                p.add(fd);
            }
        }
        return p;
    }

    static Set<Integer> parseFds(String text) {
        Set<Integer> fds = new TreeSet<>();
        for (String part : text.split("[,\\s]+")) {
            if (part.isBlank()) {
                continue;
            }
            try {
                fds.add(Integer.parseInt(part.trim()));
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("sniffer.inheritedFds: '" + part + "' is not an fd number");
            }
        }
        return fds;
    }

    private static int integer(String property, int def) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            return def;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException(property + ": '" + v + "' is not a number");
        }
    }
}
