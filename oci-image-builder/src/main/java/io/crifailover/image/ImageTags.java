package io.crifailover.image;

import java.util.regex.Pattern;

/** OCI/distribution tag rules and the default tag of a checkpoint image. */
public final class ImageTags {

    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");

    private ImageTags() {}

    public static boolean isValid(String tag) {
        return tag != null && TAG.matcher(tag).matches();
    }

    /** {@code <container>-<sequence>} with characters a tag cannot hold replaced by '-'. */
    public static String defaultTag(String container, long sequence) {
        String base = container == null || container.isEmpty() ? "checkpoint" : container;
        String cleaned = base.replaceAll("[^A-Za-z0-9._-]", "-");
        if (!Character.isLetterOrDigit(cleaned.charAt(0)) && cleaned.charAt(0) != '_') {
            cleaned = "c" + cleaned;
        }
        String suffix = "-" + sequence;
        if (cleaned.length() + suffix.length() > 128) {
            cleaned = cleaned.substring(0, 128 - suffix.length());
        }
        return cleaned + suffix;
    }
}
