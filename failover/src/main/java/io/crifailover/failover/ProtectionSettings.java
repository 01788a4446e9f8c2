package io.crifailover.failover;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A pod's protection settings, read from the pod sandbox annotations kubelet passes in
 * RunPodSandbox (no API call on the hot path). A pod is protected only when
 * {@value #INTERVAL} is set.
 *
 * @param interval time between the end of one checkpoint and the start of the next
 * @param containers names of the containers to protect; empty means every container of the pod
 * @param keep how many checkpoints to retain per container
 */
public record ProtectionSettings(Duration interval, Set<String> containers, int keep) {
    public static final String INTERVAL = "cri-failover.io/checkpoint-interval";
    public static final String CONTAINERS = "cri-failover.io/containers";
    public static final String KEEP = "cri-failover.io/keep";

    static final Duration MIN_INTERVAL = Duration.ofMillis(500);
    static final Duration MAX_INTERVAL = Duration.ofHours(24);
    static final int DEFAULT_KEEP = 3;
    static final int MAX_KEEP = 100;

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)?");
    private static final Pattern CONTAINER_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    public ProtectionSettings {
        containers = Set.copyOf(containers);
    }

    /**
     * The settings in {@code annotations}, empty when the pod is not opted in.
     *
     * @throws InvalidSettingsException naming the annotation and what is wrong with its value
     */
    public static Optional<ProtectionSettings> fromAnnotations(Map<String, String> annotations) {
        String interval = annotations.get(INTERVAL);
        if (interval == null) {
            return Optional.empty();
        }
        return Optional.of(new ProtectionSettings(
                parseInterval(interval),
                parseContainers(annotations.getOrDefault(CONTAINERS, "")),
                parseKeep(annotations.get(KEEP))));
    }

    /** Whether the container named {@code name} is protected under these settings. */
    public boolean covers(String name) {
        return containers.isEmpty() || containers.contains(name);
    }

    static Duration parseInterval(String value) {
        Matcher m = DURATION.matcher(value.trim());
        if (!m.matches()) {
            throw new InvalidSettingsException(
                    INTERVAL, value, "expected a number with an optional unit ms, s, m or h (e.g. 1s, 500ms, 5m)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        Duration d = switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
        if (d.compareTo(MIN_INTERVAL) < 0 || d.compareTo(MAX_INTERVAL) > 0) {
            throw new InvalidSettingsException(
                    INTERVAL, value, "must be between " + MIN_INTERVAL.toMillis() + "ms and 24h");
        }
        return d;
    }

    static Set<String> parseContainers(String value) {
        Set<String> names = Arrays.stream(value.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toSet());
        for (String name : names) {
            if (!CONTAINER_NAME.matcher(name).matches()) {
                throw new InvalidSettingsException(
                        CONTAINERS, value, "'" + name + "' is not a container name (lowercase DNS label)");
            }
        }
        return names;
    }

    static int parseKeep(String value) {
        if (value == null) {
            return DEFAULT_KEEP;
        }
        try {
            int keep = Integer.parseInt(value.trim());
            if (keep >= 1 && keep <= MAX_KEEP) {
                return keep;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidSettingsException(KEEP, value, "must be a whole number from 1 to " + MAX_KEEP);
    }
}
