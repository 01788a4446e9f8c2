package io.crifailover.store;

import java.util.regex.Pattern;

/** Validation of repository names, tags and container ids (they become path components). */
public final class Names {
    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
    private static final Pattern CONTAINER = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,252}");

    private Names() {}

    public static String repository(String name) {
        if (name == null || name.isEmpty() || name.length() > 255) {
            throw new IllegalArgumentException("invalid repository name: '" + name + "'");
        }
        for (String part : name.split("/", -1)) {
            if (!COMPONENT.matcher(part).matches()) {
                throw new IllegalArgumentException(
                        "invalid repository name: '" + name + "' (component '" + part + "')");
            }
        }
        return name;
    }

    public static boolean isTag(String tag) {
        return tag != null && TAG.matcher(tag).matches();
    }

    public static String tag(String tag) {
        if (!isTag(tag)) {
            throw new IllegalArgumentException("invalid tag: '" + tag + "'");
        }
        return tag;
    }

    public static String containerId(String id) {
        if (id == null || !CONTAINER.matcher(id).matches()) {
            throw new IllegalArgumentException("invalid container id: '" + id + "'");
        }
        return id;
    }
}
