package io.crifailover.installer;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One host path the installer created or modified, with what uninstall needs to undo it: for a
 * modified file its original bytes (base64), mode and owner, and the SHA-256 of what the installer
 * wrote (to notice later edits by someone else).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChangeRecord(
        String path,
        Kind kind,
        Purpose purpose,
        String originalBase64,
        String originalMode,
        Integer originalUid,
        Integer originalGid,
        String installedSha256) {

    /** What the installer did at {@link #path}. */
    public enum Kind {
        CREATED_DIRECTORY,
        CREATED_FILE,
        CREATED_LINK,
        MODIFIED_FILE
    }

    static ChangeRecord created(String path, Kind kind, Purpose purpose) {
        return new ChangeRecord(path, kind, purpose, null, null, null, null, null);
    }

    ChangeRecord withInstalledSha256(String sha256) {
        return new ChangeRecord(path, kind, purpose, originalBase64, originalMode, originalUid, originalGid, sha256);
    }
}
