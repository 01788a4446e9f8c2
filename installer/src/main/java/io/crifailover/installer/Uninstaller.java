package io.crifailover.installer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Undoes an installation from its {@link StateFile}: first kubelet's files (and restarts kubelet,
 * so it talks to the runtime directly again), then stops the shim, then removes or restores every
 * other recorded path, newest first, and finally the state file itself. Files are restored byte
 * for byte with their original mode and owner. A kubelet file someone edited after installation is
 * not overwritten; only its endpoint is set back.
 */
public final class Uninstaller {

    private final HostRoot host;
    private final HostCommands commands;

    public Uninstaller(HostRoot host, HostCommands commands) {
        this.host = host;
        this.commands = commands;
    }

    public InstallReport uninstall() throws IOException {
        List<String> warnings = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<List<String>> ran = new ArrayList<>();
        StateFile stateFile = new StateFile(host);
        Optional<InstallState> loaded = stateFile.load();
        if (loaded.isEmpty()) {
            warnings.add("nothing to uninstall: no " + StateFile.HOST_PATH + " under " + host);
            return new InstallReport(null, changed, ran, List.of(), warnings);
        }
        InstallState state = loaded.get();
        boolean systemd = host.exists(HostLayout.SYSTEMD_MARKER);
        HostCommands recorded = argv -> {
            ran.add(List.copyOf(argv));
            commands.run(argv);
        };
        Undo undo = new Undo(host, warnings);

        boolean kubeletChanged = false;
        for (ChangeRecord record : newestFirst(state, r -> r.purpose() == Purpose.KUBELET)) {
            boolean didChange = undo.drifted(record) ? repoint(record, state, warnings) : undo.revert(record);
            if (didChange) {
                changed.add(record.path());
                kubeletChanged = true;
            }
            state.remove(record.path());
        }
        stateFile.save(state);
        if (systemd && kubeletChanged) {
            recorded.run(List.of("systemctl", "restart", "kubelet.service"));
        }
        boolean serviceInstalled = state.find(HostLayout.SERVICE_UNIT).isPresent();
        if (systemd && serviceInstalled) {
            recorded.run(List.of("systemctl", "stop", HostLayout.SOCKET_NAME, HostLayout.SERVICE_NAME));
        }
        boolean runtimeChanged = false;
        for (ChangeRecord record : newestFirst(state, r -> r.purpose() != Purpose.STATE)) {
            if (undo.revert(record)) {
                changed.add(record.path());
                runtimeChanged |= record.purpose() == Purpose.RUNTIME;
            }
            state.remove(record.path());
        }
        if (systemd && runtimeChanged) {
            recorded.run(List.of("systemctl", "restart", "crio.service"));
        }
        stateFile.save(state);
        stateFile.delete();
        changed.add(StateFile.HOST_PATH);
        for (ChangeRecord record : newestFirst(state, r -> true)) {
            if (undo.revert(record)) {
                changed.add(record.path());
            }
        }
        if (systemd && serviceInstalled) {
            recorded.run(List.of("systemctl", "daemon-reload"));
        }
        return new InstallReport(null, changed, ran, List.of(), warnings);
    }

    /** Sets kubelet's endpoint in a file someone else changed since installation back to the original runtime. */
    private boolean repoint(ChangeRecord record, InstallState state, List<String> warnings) throws IOException {
        String endpoint = state.originalKubeletEndpoint != null ? state.originalKubeletEndpoint : state.runtimeEndpoint;
        boolean flagFile = KubeletWiring.FLAG_FILES.contains(record.path());
        KubeletWiring.Target target = new KubeletWiring.Target(record.path(), flagFile);
        KubeletWiring wiring = new KubeletWiring(host, record.path());
        byte[] edited = wiring.edited(target, endpoint);
        Path path = host.locate(record.path());
        AtomicFiles.write(path, edited, FileModes.mode(path), FileModes.uid(path), FileModes.gid(path));
        warnings.add(record.path() + " was changed after installation: kept those changes and only set the runtime"
                + " endpoint back to " + endpoint);
        return true;
    }

    private static List<ChangeRecord> newestFirst(InstallState state, Predicate<ChangeRecord> filter) {
        List<ChangeRecord> selected =
                new ArrayList<>(state.changes.stream().filter(filter).toList());
        java.util.Collections.reverse(selected);
        return selected;
    }
}
