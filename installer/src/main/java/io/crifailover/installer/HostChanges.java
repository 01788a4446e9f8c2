package io.crifailover.installer;

import io.crifailover.installer.ChangeRecord.Kind;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Makes host files match what an installation wants, journaling every path before touching it.
 *
 * <p>Each method is idempotent: a path that already has the wanted content and mode is left alone
 * (not even rewritten). A path is journaled once, at its first change, so a modified file's record
 * always holds the bytes from before the <em>first</em> installation. Paths an earlier installation
 * changed but this one no longer wants are undone by {@link #undoUnclaimed()}.
 */
final class HostChanges {

    private final HostRoot host;
    private final InstallState state;
    private final StateFile stateFile;
    private final Set<String> claimed = new LinkedHashSet<>();
    private final List<String> changed = new ArrayList<>();
    private final Set<Purpose> changedPurposes = java.util.EnumSet.noneOf(Purpose.class);
    private final List<String> warnings;
    private boolean journalDirty;

    HostChanges(HostRoot host, InstallState state, StateFile stateFile, List<String> warnings) {
        this.host = host;
        this.state = state;
        this.stateFile = stateFile;
        this.warnings = warnings;
    }

    /** Host paths whose content, mode or existence changed in this run, in order. */
    List<String> changed() {
        return changed;
    }

    /** Whether a path of {@code purpose} changed in this run. */
    boolean changedAny(Purpose purpose) {
        return changedPurposes.contains(purpose);
    }

    private void changed(String hostPath, Purpose purpose) {
        changed.add(hostPath);
        changedPurposes.add(purpose);
    }

    /** Ensures the directory {@code hostPath} exists; missing ones are created ({@code mode} for the last, 0755 above). */
    void directory(String hostPath, int mode, Purpose purpose) throws IOException {
        String[] parts = HostRoot.requireAbsolute(hostPath).substring(1).split("/");
        StringBuilder prefix = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].isEmpty()) {
                continue;
            }
            prefix.append('/').append(parts[i]);
            String current = prefix.toString();
            int wanted = i == parts.length - 1 ? mode : 0755;
            Path path = host.resolve(current);
            Optional<ChangeRecord> record = state.find(current);
            if (Files.isDirectory(path)) {
                if (record.isPresent()) {
                    claimed.add(current);
                    if (FileModes.mode(path) != wanted && i == parts.length - 1) {
                        FileModes.setMode(path, wanted);
                        changed(current, purpose);
                    }
                }
                continue;
            }
            if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("host path " + current + " exists but is not a directory");
            }
            journal(record.orElse(ChangeRecord.created(current, Kind.CREATED_DIRECTORY, purpose)));
            claimed.add(current);
            Files.createDirectory(path);
            FileModes.setMode(path, wanted);
            changed(current, purpose);
        }
    }

    /** Makes {@code hostPath} a regular file holding {@code content} with {@code mode}. Returns whether it changed. */
    boolean file(String hostPath, byte[] content, int mode, Purpose purpose) throws IOException {
        return file(hostPath, content, mode, 0755, purpose);
    }

    /** As {@link #file(String, byte[], int, Purpose)}, with {@code parentMode} for its directory if the installer made it. */
    boolean file(String hostPath, byte[] content, int mode, int parentMode, Purpose purpose) throws IOException {
        directory(parentOf(hostPath), parentMode, purpose);
        Path path = host.locate(hostPath);
        boolean exists = Files.exists(path, LinkOption.NOFOLLOW_LINKS);
        if (exists && !Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("host path " + hostPath + " exists but is not a regular file");
        }
        ChangeRecord record = state.find(hostPath).orElse(null);
        if (record == null) {
            record = exists
                    ? modifiedRecord(hostPath, path, purpose)
                    : ChangeRecord.created(hostPath, Kind.CREATED_FILE, purpose);
        }
        if (record.kind() == Kind.MODIFIED_FILE) {
            record = record.withInstalledSha256(sha256(content));
        }
        claimed.add(hostPath);
        if (exists && FileModes.mode(path) == mode && Arrays.equals(Files.readAllBytes(path), content)) {
            if (!state.find(hostPath).equals(Optional.of(record))) {
                journal(record);
            }
            return false;
        }
        journal(record);
        int uid = record.originalUid() == null ? 0 : record.originalUid();
        int gid = record.originalGid() == null ? 0 : record.originalGid();
        AtomicFiles.write(path, content, mode, uid, gid);
        changed(hostPath, purpose);
        return true;
    }

    /** Makes {@code hostPath} a symbolic link to {@code target}; refuses to replace anything else. */
    boolean symlink(String hostPath, String target, Purpose purpose) throws IOException {
        directory(parentOf(hostPath), 0755, purpose);
        Path path = host.locate(hostPath);
        Optional<ChangeRecord> record = state.find(hostPath);
        if (Files.isSymbolicLink(path)
                && Files.readSymbolicLink(path).toString().equals(target)) {
            if (record.isPresent()) {
                claimed.add(hostPath);
            }
            return false;
        }
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS) && record.isEmpty()) {
            throw new IOException("host path " + hostPath + " already exists and was not created by the installer");
        }
        journal(record.orElse(ChangeRecord.created(hostPath, Kind.CREATED_LINK, purpose)));
        claimed.add(hostPath);
        Files.deleteIfExists(path);
        Files.createSymbolicLink(path, Path.of(target));
        changed(hostPath, purpose);
        return true;
    }

    /**
     * Copies the tree {@code source} to the host directory {@code hostDir}: directories 0755, files
     * with their source mode. Symbolic links inside the tree are copied as links.
     */
    void tree(Path source, String hostDir, Purpose purpose) throws IOException {
        directory(hostDir, 0755, purpose);
        List<Path> entries;
        try (Stream<Path> walk = Files.walk(source)) {
            entries = walk.filter(p -> !p.equals(source)).sorted().toList();
        }
        List<Path> toCopy = new ArrayList<>();
        for (Path entry : entries) {
            String hostPath = hostDir + "/" + source.relativize(entry).toString();
            Path target = host.locate(hostPath);
            if (Files.isSymbolicLink(entry)) {
                symlink(hostPath, Files.readSymbolicLink(entry).toString(), purpose);
            } else if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                directory(hostPath, 0755, purpose);
            } else if (Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)) {
                boolean exists = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
                Optional<ChangeRecord> record = state.find(hostPath);
                if (exists && record.isEmpty()) {
                    throw new IOException(
                            "host path " + hostPath + " already exists and was not created by the installer");
                }
                claimed.add(hostPath);
                if (record.isEmpty()) {
                    state.replace(ChangeRecord.created(hostPath, Kind.CREATED_FILE, purpose));
                    journalDirty = true;
                }
                if (!exists || FileModes.mode(target) != FileModes.mode(entry) || Files.mismatch(entry, target) != -1) {
                    toCopy.add(entry);
                }
            }
        }
        flushJournal();
        for (Path entry : toCopy) {
            String hostPath = hostDir + "/" + source.relativize(entry).toString();
            AtomicFiles.copy(entry, host.locate(hostPath), FileModes.mode(entry));
            changed(hostPath, purpose);
        }
    }

    /** Undoes what earlier installations changed and this one did not claim (e.g. files dropped by an upgrade). */
    void undoUnclaimed() throws IOException {
        List<ChangeRecord> stale = new ArrayList<>(
                state.changes.stream().filter(c -> !claimed.contains(c.path())).toList());
        java.util.Collections.reverse(stale);
        Undo undo = new Undo(host, warnings);
        for (ChangeRecord record : stale) {
            if (undo.revert(record)) {
                changed(record.path(), record.purpose());
            }
            state.remove(record.path());
            journalDirty = true;
        }
        flushJournal();
    }

    /** Writes the journal if anything in it changed (deferred while its own directory is being created). */
    void flushJournal() throws IOException {
        if (journalDirty && Files.isDirectory(host.resolve(StateFile.HOST_DIR))) {
            stateFile.save(state);
            journalDirty = false;
        }
    }

    private void journal(ChangeRecord record) throws IOException {
        if (!state.find(record.path()).equals(Optional.of(record))) {
            state.replace(record);
            journalDirty = true;
        }
        flushJournal();
    }

    private static ChangeRecord modifiedRecord(String hostPath, Path path, Purpose purpose) throws IOException {
        byte[] original = Files.readAllBytes(path);
        return new ChangeRecord(
                hostPath,
                Kind.MODIFIED_FILE,
                purpose,
                Base64.getEncoder().encodeToString(original),
                FileModes.octal(FileModes.mode(path)),
                FileModes.uid(path),
                FileModes.gid(path),
                null);
    }

    static String parentOf(String hostPath) {
        int slash = hostPath.lastIndexOf('/');
        return slash <= 0 ? "/" : hostPath.substring(0, slash);
    }

    static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean isEmptyDirectory(Path dir) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            return !entries.iterator().hasNext();
        }
    }
}
