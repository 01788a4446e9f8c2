package io.crifailover.installer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One step of keeping the host's copy of the service-account credentials fresh: rewrites each file
 * of {@link ApiAccess#hostFiles()} whose bytes or mode differ (temp + fsync + rename, 0600), and
 * nothing else. Runs only while the journal records the credentials, so it never recreates files
 * after {@code uninstall} or after a re-install without {@code --sync-service-account}.
 */
public final class CredentialSync {

    /** What a step did: whether the credentials are installed at all, and which host paths it rewrote. */
    public record Result(boolean installed, List<String> changed) {}

    private final HostRoot host;
    private final ApiAccess access;

    public CredentialSync(HostRoot host, ApiAccess access) {
        this.host = host;
        this.access = access;
    }

    public Result syncOnce() throws IOException {
        Optional<InstallState> state = new StateFile(host).load();
        if (state.isEmpty() || state.get().find(HostLayout.KUBECONFIG).isEmpty()) {
            return new Result(false, List.of());
        }
        Map<String, byte[]> wanted = access.hostFiles();
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, byte[]> file : wanted.entrySet()) {
            Path path = host.locate(file.getKey());
            if (!Files.isDirectory(path.getParent())) {
                Files.createDirectories(path.getParent());
                FileModes.setMode(path.getParent(), 0700);
            }
            boolean same = Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)
                    && FileModes.mode(path) == 0600
                    && Arrays.equals(Files.readAllBytes(path), file.getValue());
            if (!same) {
                AtomicFiles.write(path, file.getValue(), 0600, 0, 0);
                changed.add(file.getKey());
            }
        }
        return new Result(true, changed);
    }
}
