package io.crifailover.image.archive;

/**
 * One validated entry of a checkpoint archive.
 *
 * @param name       normalized relative name without leading "./" or trailing "/"
 * @param rawName    the name exactly as stored in the archive (for error messages)
 * @param type       entry kind
 * @param size       content size in bytes (0 for anything but regular files)
 * @param mode       permission bits from the archive
 * @param linkTarget normalized link target (root-relative) for links, else null
 */
public record ArchiveEntry(String name, String rawName, Type type, long size, int mode, String linkTarget) {

    /** Entry kinds the validator lets through. */
    public enum Type {
        FILE,
        DIRECTORY,
        SYMLINK,
        HARDLINK
    }

    public boolean isFile() {
        return type == Type.FILE;
    }

    public boolean isDirectory() {
        return type == Type.DIRECTORY;
    }

    public boolean isLink() {
        return type == Type.SYMLINK || type == Type.HARDLINK;
    }
}
