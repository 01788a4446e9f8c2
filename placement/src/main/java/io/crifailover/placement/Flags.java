package io.crifailover.placement;

import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/** Canonical form of CPU flag sets: sorted, duplicate-free, immutable. */
final class Flags {
    private Flags() {}

    static List<String> canonical(Collection<String> flags) {
        TreeSet<String> sorted = new TreeSet<>();
        for (String flag : flags) {
            if (flag == null || flag.isBlank()) {
                throw new IllegalArgumentException("CPU flag must not be blank");
            }
            sorted.add(flag.trim());
        }
        return List.copyOf(sorted);
    }

    static List<String> canonicalNames(Collection<String> names) {
        return List.copyOf(new TreeSet<>(names));
    }
}
