package io.crifailover.image.archive;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Checks archive entries one by one, in stream order, against the checkpoint archive rules:
 * relative names without {@code ..}, no duplicates, no device nodes, links that stay inside the
 * root, nothing placed below a link, bounded sizes and counts. Memory grows with the number of
 * entries, never with their size.
 */
public final class EntryValidator {

    /** Entries every checkpoint archive must hold as regular files. */
    public static final List<String> REQUIRED_FILES = List.of("checkpoint/inventory.img", "spec.dump", "config.dump");

    private final ArchiveLimits limits;
    private final Map<String, ArchiveEntry.Type> seen = new HashMap<>();
    private long entries;
    private long totalSize;

    public EntryValidator(ArchiveLimits limits) {
        this.limits = limits;
    }

    /**
     * Validates one tar entry.
     *
     * @return the normalized entry, or null for the archive root ("./") which carries nothing
     * @throws InvalidArchiveException naming the entry and the rule it broke
     */
    public ArchiveEntry validate(TarArchiveEntry tarEntry) throws InvalidArchiveException {
        String raw = tarEntry.getName();
        ArchiveEntry.Type type = classify(tarEntry, raw);
        String name = normalizeName(raw, limits.maxNameLength());
        if (name.isEmpty()) {
            if (type == ArchiveEntry.Type.DIRECTORY) {
                return null;
            }
            throw new InvalidArchiveException(raw, ArchiveRule.BAD_NAME, "names the archive root");
        }
        if (++entries > limits.maxEntries()) {
            throw new InvalidArchiveException(
                    raw, ArchiveRule.TOO_MANY_ENTRIES, "more than " + limits.maxEntries() + " entries");
        }
        checkParents(raw, name);
        ArchiveEntry.Type previous = seen.get(name);
        if (previous != null) {
            if (!(previous == ArchiveEntry.Type.DIRECTORY && type == ArchiveEntry.Type.DIRECTORY)) {
                throw new InvalidArchiveException(
                        raw,
                        previous == ArchiveEntry.Type.DIRECTORY
                                ? ArchiveRule.NOT_A_DIRECTORY
                                : ArchiveRule.DUPLICATE_ENTRY,
                        "'" + name + "' already appeared as " + previous.name().toLowerCase());
            }
        }
        long size = 0;
        String linkTarget = null;
        switch (type) {
            case FILE -> size = checkSize(raw, tarEntry.getSize());
            case SYMLINK -> linkTarget = resolveSymlink(raw, name, tarEntry.getLinkName());
            case HARDLINK -> linkTarget = resolveHardLink(raw, tarEntry.getLinkName());
            default -> {}
        }
        seen.put(name, type);
        return new ArchiveEntry(name, raw, type, size, tarEntry.getMode() & 07777, linkTarget);
    }

    /** Checks that every required entry was seen as a regular file. */
    public void checkRequiredEntries() throws InvalidArchiveException {
        for (String required : REQUIRED_FILES) {
            ArchiveEntry.Type type = seen.get(required);
            if (type != ArchiveEntry.Type.FILE) {
                throw new InvalidArchiveException(
                        required,
                        ArchiveRule.MISSING_REQUIRED_ENTRY,
                        type == null
                                ? "not found in the archive"
                                : "present as " + type.name().toLowerCase());
            }
        }
    }

    public long entries() {
        return entries;
    }

    public long totalSize() {
        return totalSize;
    }

    private static ArchiveEntry.Type classify(TarArchiveEntry e, String raw) throws InvalidArchiveException {
        if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
            throw new InvalidArchiveException(raw, ArchiveRule.DEVICE_NODE, "type '" + (char) e.getLinkFlag() + "'");
        }
        if (e.isSymbolicLink()) {
            return ArchiveEntry.Type.SYMLINK;
        }
        if (e.isLink()) {
            return ArchiveEntry.Type.HARDLINK;
        }
        if (e.isDirectory()) {
            return ArchiveEntry.Type.DIRECTORY;
        }
        if (e.isSparse()) {
            throw new InvalidArchiveException(raw, ArchiveRule.UNSUPPORTED_TYPE, "sparse file");
        }
        byte flag = e.getLinkFlag();
        if (flag == TarConstants.LF_NORMAL || flag == TarConstants.LF_OLDNORM || flag == TarConstants.LF_CONTIG) {
            return ArchiveEntry.Type.FILE;
        }
        throw new InvalidArchiveException(raw, ArchiveRule.UNSUPPORTED_TYPE, "type flag '" + (char) flag + "'");
    }

    /** Normalizes an entry name: strips "./" and empty segments, rejects absolute names and "..". */
    static String normalizeName(String raw, int maxLength) throws InvalidArchiveException {
        if (raw == null || raw.indexOf('\0') >= 0) {
            throw new InvalidArchiveException(raw, ArchiveRule.BAD_NAME, "contains NUL");
        }
        if (raw.getBytes(StandardCharsets.UTF_8).length > maxLength) {
            throw new InvalidArchiveException(raw, ArchiveRule.BAD_NAME, "longer than " + maxLength + " bytes");
        }
        if (raw.startsWith("/")) {
            throw new InvalidArchiveException(raw, ArchiveRule.ABSOLUTE_PATH, null);
        }
        StringBuilder out = new StringBuilder(raw.length());
        for (String segment : raw.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                throw new InvalidArchiveException(raw, ArchiveRule.PARENT_TRAVERSAL, null);
            }
            if (out.length() > 0) {
                out.append('/');
            }
            out.append(segment);
        }
        return out.toString();
    }

    private void checkParents(String raw, String name) throws InvalidArchiveException {
        int slash = name.indexOf('/');
        while (slash > 0) {
            String parent = name.substring(0, slash);
            ArchiveEntry.Type type = seen.get(parent);
            if (type == null) {
                seen.put(parent, ArchiveEntry.Type.DIRECTORY);
            } else if (type == ArchiveEntry.Type.SYMLINK || type == ArchiveEntry.Type.HARDLINK) {
                throw new InvalidArchiveException(raw, ArchiveRule.PATH_THROUGH_LINK, "'" + parent + "' is a link");
            } else if (type != ArchiveEntry.Type.DIRECTORY) {
                throw new InvalidArchiveException(
                        raw,
                        ArchiveRule.NOT_A_DIRECTORY,
                        "'" + parent + "' is a " + type.name().toLowerCase());
            }
            slash = name.indexOf('/', slash + 1);
        }
    }

    private long checkSize(String raw, long size) throws InvalidArchiveException {
        if (size < 0 || size > limits.maxEntrySize()) {
            throw new InvalidArchiveException(
                    raw, ArchiveRule.ENTRY_TOO_LARGE, "declares " + size + " bytes, limit " + limits.maxEntrySize());
        }
        totalSize += size;
        if (totalSize > limits.maxTotalSize()) {
            throw new InvalidArchiveException(
                    raw,
                    ArchiveRule.ARCHIVE_TOO_LARGE,
                    "content reaches " + totalSize + " bytes, limit " + limits.maxTotalSize());
        }
        return size;
    }

    private static String resolveSymlink(String raw, String name, String target) throws InvalidArchiveException {
        if (target == null || target.isEmpty()) {
            throw new InvalidArchiveException(raw, ArchiveRule.LINK_ESCAPE, "empty link target");
        }
        if (target.startsWith("/")) {
            throw new InvalidArchiveException(raw, ArchiveRule.LINK_ESCAPE, "absolute target '" + target + "'");
        }
        Deque<String> path = new ArrayDeque<>();
        String[] own = name.split("/");
        for (int i = 0; i < own.length - 1; i++) {
            path.addLast(own[i]);
        }
        for (String segment : target.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                if (path.isEmpty()) {
                    throw new InvalidArchiveException(
                            raw, ArchiveRule.LINK_ESCAPE, "target '" + target + "' points outside the root");
                }
                path.removeLast();
            } else {
                path.addLast(segment);
            }
        }
        return String.join("/", path);
    }

    private String resolveHardLink(String raw, String target) throws InvalidArchiveException {
        String normalized;
        try {
            normalized = normalizeName(target, limits.maxNameLength());
        } catch (InvalidArchiveException e) {
            throw new InvalidArchiveException(
                    raw, ArchiveRule.LINK_ESCAPE, "hard link target '" + target + "' points outside the root");
        }
        if (seen.get(normalized) != ArchiveEntry.Type.FILE) {
            throw new InvalidArchiveException(
                    raw,
                    ArchiveRule.LINK_ESCAPE,
                    "hard link target '" + target + "' is not an earlier regular file of the archive");
        }
        return normalized;
    }
}
