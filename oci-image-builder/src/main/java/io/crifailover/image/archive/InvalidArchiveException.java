package io.crifailover.image.archive;

import java.io.IOException;

/** A checkpoint archive (or image layer) was rejected; names the entry and the rule it broke. */
public class InvalidArchiveException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String entry;
    private final ArchiveRule rule;

    public InvalidArchiveException(String entry, ArchiveRule rule, String detail) {
        this(entry, rule, detail, null);
    }

    public InvalidArchiveException(String entry, ArchiveRule rule, String detail, Throwable cause) {
        super(format(entry, rule, detail), cause);
        this.entry = entry;
        this.rule = rule;
    }

    private static String format(String entry, ArchiveRule rule, String detail) {
        StringBuilder sb = new StringBuilder("invalid checkpoint archive: ");
        if (entry != null) {
            sb.append("entry '").append(entry).append("': ");
        }
        sb.append(rule.description()).append(" [").append(rule.name()).append(']');
        if (detail != null && !detail.isEmpty()) {
            sb.append(": ").append(detail);
        }
        return sb.toString();
    }

    /** The offending entry name as found in the archive, or null when the archive as a whole is wrong. */
    public String entry() {
        return entry;
    }

    /** The rule that was broken. */
    public ArchiveRule rule() {
        return rule;
    }
}
