package io.crifailover.installer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/** Undoes one {@link ChangeRecord}: deletes what was created, restores what was modified. */
final class Undo {

    private final HostRoot host;
    private final List<String> warnings;

    Undo(HostRoot host, List<String> warnings) {
        this.host = host;
        this.warnings = warnings;
    }

    /** Whether {@code record}'s file was changed by someone else after the installer wrote it. */
    boolean drifted(ChangeRecord record) throws IOException {
        if (record.kind() != ChangeRecord.Kind.MODIFIED_FILE || record.installedSha256() == null) {
            return false;
        }
        Path path = host.locate(record.path());
        if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        byte[] current = Files.readAllBytes(path);
        return !Arrays.equals(current, original(record))
                && !HostChanges.sha256(current).equals(record.installedSha256());
    }

    /** Reverts {@code record}; returns whether the host changed. Never throws for what is already undone. */
    boolean revert(ChangeRecord record) throws IOException {
        Path path = host.locate(record.path());
        switch (record.kind()) {
            case CREATED_FILE:
                if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                    Files.delete(path);
                    return true;
                }
                return false;
            case CREATED_LINK:
                if (Files.isSymbolicLink(path)) {
                    Files.delete(path);
                    return true;
                }
                return false;
            case CREATED_DIRECTORY:
                if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                    return false;
                }
                if (!HostChanges.isEmptyDirectory(path)) {
                    warnings.add("left " + record.path() + " in place: it holds files the installer did not create");
                    return false;
                }
                Files.delete(path);
                return true;
            case MODIFIED_FILE:
                return restore(record, path);
            default:
                throw new IllegalStateException("unknown change kind " + record.kind());
        }
    }

    private boolean restore(ChangeRecord record, Path path) throws IOException {
        byte[] original = original(record);
        int mode = FileModes.parseOctal(record.originalMode());
        if (drifted(record)) {
            warnings.add("left " + record.path()
                    + " as it is: it was changed after installation; original bytes are in the state file");
            return false;
        }
        boolean exists = Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS);
        if (exists
                && Arrays.equals(Files.readAllBytes(path), original)
                && FileModes.mode(path) == mode
                && FileModes.uid(path) == record.originalUid()
                && FileModes.gid(path) == record.originalGid()) {
            return false;
        }
        AtomicFiles.write(path, original, mode, record.originalUid(), record.originalGid());
        return true;
    }

    static byte[] original(ChangeRecord record) {
        return Base64.getDecoder().decode(record.originalBase64());
    }
}
