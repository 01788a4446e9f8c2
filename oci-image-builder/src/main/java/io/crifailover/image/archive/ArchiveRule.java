package io.crifailover.image.archive;

/** The validation rule a checkpoint archive broke; part of every {@link InvalidArchiveException}. */
public enum ArchiveRule {
    EMPTY_ARCHIVE("the archive is empty"),
    UNSUPPORTED_COMPRESSION("the archive compression is not supported (plain tar or gzip only)"),
    ABSOLUTE_PATH("entry names must be relative"),
    PARENT_TRAVERSAL("entry names must not contain '..'"),
    BAD_NAME("entry names must be non-empty UTF-8 without NUL and within the length limit"),
    DUPLICATE_ENTRY("each entry name may appear only once"),
    PATH_THROUGH_LINK("entries must not be placed below a link"),
    LINK_ESCAPE("links must stay inside the archive root"),
    DEVICE_NODE("device nodes and FIFOs are not allowed"),
    UNSUPPORTED_TYPE("only regular files, directories and in-root links are allowed"),
    NOT_A_DIRECTORY("a directory path is used by a non-directory entry"),
    ENTRY_TOO_LARGE("entry size exceeds the per-entry limit"),
    ARCHIVE_TOO_LARGE("total content size exceeds the archive limit"),
    TOO_MANY_ENTRIES("entry count exceeds the limit"),
    SIZE_BEYOND_END("entry declares more bytes than the archive holds"),
    TRUNCATED("the archive ends early"),
    CORRUPT("the archive cannot be parsed"),
    MISSING_REQUIRED_ENTRY("a required entry is missing or not a regular file"),
    BAD_METADATA("a metadata file cannot be parsed");

    private final String description;

    ArchiveRule(String description) {
        this.description = description;
    }

    /** Human-readable statement of the rule. */
    public String description() {
        return description;
    }
}
