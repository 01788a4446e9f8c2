package io.crifailover.installer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs the shim on a host mounted at a path: copies it with its Java runtime, writes the
 * systemd units and the shim's environment (the detected runtime), installs the criu stand-in
 * switched off, points kubelet at the shim, then reloads systemd, (re)starts the shim and restarts
 * kubelet — each only when something it depends on changed. Every touched path is journaled in
 * {@link StateFile} first, so {@link Uninstaller} can put the host back byte for byte.
 */
public final class Installer {

    private static final Logger LOG = LoggerFactory.getLogger(Installer.class);

    private final HostRoot host;
    private final HostCommands commands;

    public Installer(HostRoot host, HostCommands commands) {
        this.host = host;
        this.commands = commands;
    }

    public InstallReport install(InstallSettings settings) throws IOException {
        Path source = validSource(settings.source());
        if (!host.exists(HostLayout.SYSTEMD_MARKER)) {
            throw new IOException("the host at " + host + " does not run systemd (no " + HostLayout.SYSTEMD_MARKER
                    + "); the shim is installed as a systemd service and kubelet must be a systemd unit too");
        }
        List<String> warnings = new ArrayList<>();
        StateFile stateFile = new StateFile(host);
        InstallState state = stateFile.load().orElseGet(InstallState::new);
        KubeletWiring kubelet = new KubeletWiring(host, settings.kubeletConfig());
        List<KubeletWiring.Target> targets = kubelet.targets();
        Optional<String> kubeletNow = kubelet.currentEndpoint();
        RuntimeEndpoint runtime = new RuntimeDetector(host)
                .detect(
                        settings.runtimeEndpoint(),
                        kubeletNow,
                        settings.listenEndpoint(),
                        Optional.ofNullable(state.runtimeEndpoint));
        LOG.info("forwarding to {}", runtime);
        state.runtimeEndpoint = runtime.endpoint();
        boolean kubeletJournaled = state.changes.stream().anyMatch(c -> c.purpose() == Purpose.KUBELET);
        if (!kubeletJournaled) {
            state.originalKubeletEndpoint = kubeletNow
                    .map(Endpoints::normalize)
                    .filter(e -> !e.equals(Endpoints.normalize(settings.listenEndpoint())))
                    .orElse(null);
        }

        Map<KubeletWiring.Target, byte[]> kubeletEdits = new LinkedHashMap<>();
        for (KubeletWiring.Target target : targets) {
            kubeletEdits.put(target, kubelet.edited(target, settings.listenEndpoint()));
        }

        FailoverSetup failover = FailoverSetup.of(settings, warnings);
        RuntimeRestoreCheck.Result restore = new RuntimeRestoreCheck(host, commands)
                .check(
                        runtime,
                        settings.configureRuntime(),
                        state.find(HostLayout.CRIO_DROP_IN).isPresent());
        warnings.addAll(restore.warnings());

        Optional<Map<String, byte[]>> credentials = Optional.empty();
        if (settings.apiAccess().isPresent()) {
            credentials = Optional.of(settings.apiAccess().get().hostFiles());
        }

        HostChanges changes = new HostChanges(host, state, stateFile, warnings);
        changes.directory(StateFile.HOST_DIR, 0700, Purpose.STATE);
        changes.tree(source, HostLayout.PREFIX, Purpose.PAYLOAD);
        writeServiceFiles(changes, settings, runtime, failover);
        if (restore.dropIn().isPresent()) {
            changes.file(HostLayout.CRIO_DROP_IN, restore.dropIn().get(), 0644, Purpose.RUNTIME);
        }
        if (credentials.isPresent()) {
            writeCredentials(changes, credentials.get());
        }
        if (settings.sniffer()) {
            installSniffer(changes, warnings);
        }
        for (Map.Entry<KubeletWiring.Target, byte[]> edit : kubeletEdits.entrySet()) {
            changes.file(edit.getKey().hostPath(), edit.getValue(), kubelet.mode(edit.getKey()), Purpose.KUBELET);
        }
        changes.undoUnclaimed();
        stateFile.save(state);

        List<List<String>> ran = new ArrayList<>();
        HostCommands recorded = argv -> {
            ran.add(List.copyOf(argv));
            commands.run(argv);
        };
        boolean unitsChanged = changes.changed().stream().anyMatch(p -> p.startsWith(HostLayout.UNIT_DIR + "/"));
        boolean shimChanged = changes.changedAny(Purpose.PAYLOAD)
                || changes.changedAny(Purpose.SERVICE)
                || changes.changedAny(Purpose.KEYS);
        if (unitsChanged) {
            recorded.run(List.of("systemctl", "daemon-reload"));
        }
        if (changes.changedAny(Purpose.RUNTIME)) {
            recorded.run(List.of("systemctl", "restart", "crio.service"));
        }
        if (settings.socketActivation()) {
            recorded.run(List.of("systemctl", "start", HostLayout.SOCKET_NAME));
        }
        recorded.run(List.of("systemctl", shimChanged ? "restart" : "start", HostLayout.SERVICE_NAME));
        if (changes.changedAny(Purpose.KUBELET)) {
            recorded.run(List.of("systemctl", "restart", "kubelet.service"));
        }
        return new InstallReport(runtime, List.copyOf(changes.changed()), ran, restore.notes(), warnings);
    }

    private static void writeServiceFiles(
            HostChanges changes, InstallSettings settings, RuntimeEndpoint runtime, FailoverSetup failover)
            throws IOException {
        changes.directory(HostLayout.CONFIG_DIR, 0755, Purpose.SERVICE);
        changes.file(HostLayout.SHIM_ENV, ServiceFiles.environment(settings, runtime), 0644, Purpose.SERVICE);
        if (failover.settingsText().isPresent()) {
            changes.file(HostLayout.CLUSTER_CONFIG, failover.settingsText().get(), 0644, Purpose.SERVICE);
        }
        if (failover.clusterKey().isPresent()) {
            changes.directory(HostLayout.KEYS_DIR, 0700, Purpose.KEYS);
            changes.file(HostLayout.CLUSTER_KEY, failover.clusterKey().get(), 0600, 0700, Purpose.KEYS);
        }
        changes.file(
                HostLayout.SERVICE_UNIT,
                ServiceFiles.serviceUnit(settings.socketActivation(), failover.enabled()),
                0644,
                Purpose.SERVICE);
        changes.file(HostLayout.SOCKET_UNIT, ServiceFiles.socketUnit(settings.listenEndpoint()), 0644, Purpose.SERVICE);
        changes.symlink(HostLayout.SERVICE_WANTS_LINK, HostLayout.SERVICE_UNIT, Purpose.SERVICE);
        if (settings.socketActivation()) {
            changes.symlink(
                    HostLayout.UNIT_DIR + "/sockets.target.wants/" + HostLayout.SOCKET_NAME,
                    HostLayout.SOCKET_UNIT,
                    Purpose.SERVICE);
        }
    }

    /** The service account's token and CA and a kubeconfig using them; later rotations by {@link CredentialSync}. */
    private static void writeCredentials(HostChanges changes, Map<String, byte[]> files) throws IOException {
        changes.directory(HostLayout.KUBE_DIR, 0700, Purpose.CREDENTIALS);
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            changes.file(file.getKey(), file.getValue(), 0600, 0700, Purpose.CREDENTIALS);
        }
    }

    private void installSniffer(HostChanges changes, List<String> warnings) throws IOException {
        if (!Files.isRegularFile(host.resolve(HostLayout.SNIFFER_SCRIPT))) {
            warnings.add("the image has no criu stand-in (" + HostLayout.SNIFFER_SCRIPT + "); sniffer not installed");
            return;
        }
        Optional<String> realCriu = Optional.empty();
        for (String candidate : HostLayout.REAL_CRIU_CANDIDATES) {
            if (host.exists(candidate)) {
                realCriu = Optional.of(candidate);
                break;
            }
        }
        if (realCriu.isEmpty()) {
            warnings.add("no CRIU on the host (looked in " + String.join(", ", HostLayout.REAL_CRIU_CANDIDATES)
                    + "); the criu stand-in is not linked, checkpoints need CRIU");
            return;
        }
        changes.file(HostLayout.SNIFFER_CONF, ServiceFiles.snifferConf(realCriu.get()), 0644, Purpose.SNIFFER);
        Path link = host.locate(HostLayout.CRIU_LINK);
        boolean foreign = Files.exists(link, LinkOption.NOFOLLOW_LINKS)
                && !(Files.isSymbolicLink(link)
                        && Files.readSymbolicLink(link).toString().equals(HostLayout.SNIFFER_SCRIPT));
        if (foreign) {
            warnings.add(HostLayout.CRIU_LINK + " already exists and is not the stand-in; the stand-in is not linked");
            return;
        }
        changes.symlink(HostLayout.CRIU_LINK, HostLayout.SNIFFER_SCRIPT, Purpose.SNIFFER);
    }

    private static Path validSource(Path source) throws IOException {
        for (String required : List.of("bin/cri-failover", "jre/bin/java", "app")) {
            if (!Files.exists(source.resolve(required))) {
                throw new IOException("installation source " + source + " lacks " + required + " (expected the image's "
                        + HostLayout.PREFIX + " with jre/, app/ and bin/cri-failover)");
            }
        }
        return source.toAbsolutePath().normalize();
    }
}
