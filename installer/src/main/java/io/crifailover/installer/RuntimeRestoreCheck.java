package io.crifailover.installer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Checks that the runtime will checkpoint <em>and restore</em>: failover needs both, and recent
 * runtimes ship with restore switched off. Reads the runtime's running configuration ({@code crio
 * status config}, {@code containerd config dump}) and falls back to its files.
 *
 * <ul>
 *   <li>CRI-O with the {@code [crio.checkpoint_restore]} table: {@code container_level_enabled} is
 *       {@code none}, {@code checkpoint_only} (the new default, backported to the 1.29-1.34 branches)
 *       or {@code checkpoint_restore} (needed).
 *   <li>Older CRI-O: {@code [crio.runtime] enable_criu_support} (on means checkpoint and restore;
 *       default on from 1.30, off before).
 *   <li>containerd: 2.2/2.3 backports add {@code enable_criu} and
 *       {@code enable_experimental_restore_via_create} (restore through CreateContainer, off by
 *       default from 2.2.7/2.3, deprecated, removed in 2.4); 2.1 has neither and restores.
 * </ul>
 *
 * <p>A problem is reported with the setting, where it was read and how to change it. For CRI-O, with
 * {@code --configure-runtime}, the fix is a drop-in ({@value HostLayout#CRIO_DROP_IN}) that uninstall
 * removes; it is written only when the running configuration says which key this CRI-O reads.
 */
final class RuntimeRestoreCheck {

    static final String LEVEL_KEY = "crio.checkpoint_restore.container_level_enabled";
    static final String LEGACY_KEY = "crio.runtime.enable_criu_support";
    static final String RESTORE = "checkpoint_restore";

    /** What the check found. {@code dropIn} is the file to write (purpose RUNTIME), if any. */
    record Result(List<String> notes, List<String> warnings, Optional<byte[]> dropIn) {}

    private final HostRoot host;
    private final HostCommands commands;

    RuntimeRestoreCheck(HostRoot host, HostCommands commands) {
        this.host = host;
        this.commands = commands;
    }

    /**
     * @param configure        whether the installer may write the CRI-O drop-in
     * @param dropInInstalled  whether an earlier run wrote it (then it is kept while {@code configure})
     */
    Result check(RuntimeEndpoint runtime, boolean configure, boolean dropInInstalled) throws IOException {
        return switch (runtime.runtime()) {
            case "CRI-O" -> crio(configure, dropInInstalled);
            case "containerd" -> containerd();
            default -> new Result(List.of(), List.of(), Optional.empty());
        };
    }

    private Result crio(boolean configure, boolean dropInInstalled) throws IOException {
        Optional<String> running = commands.output(List.of("crio", "status", "config"));
        TomlKeys keys = new TomlKeys();
        String source;
        if (running.isPresent()) {
            keys.add(running.get());
            source = "`crio status config`";
        } else {
            source = crioFiles(keys);
        }
        List<String> notes = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Optional<String> level = keys.get(LEVEL_KEY);
        Optional<String> legacy = keys.get(LEGACY_KEY);
        boolean knowsLevel = level.isPresent() || keys.hasTable("crio.checkpoint_restore");
        Optional<String> fix = knowsLevel
                ? Optional.of("[crio.checkpoint_restore]\ncontainer_level_enabled = \"" + RESTORE + "\"\n")
                : running.isPresent() && legacy.isPresent()
                        ? Optional.of("[crio.runtime]\nenable_criu_support = true\n")
                        : Optional.empty();

        Optional<String> problem;
        if (level.isPresent()) {
            problem = switch (level.get()) {
                case RESTORE -> Optional.empty();
                case "checkpoint_only" ->
                    Optional.of(
                            "CRI-O checkpoints but does not restore (container_level_enabled = \"checkpoint_only\"");
                case "none" -> Optional.of("CRI-O's CRIU support is off (container_level_enabled = \"none\"");
                default -> Optional.of("CRI-O has an unknown value (container_level_enabled = \"" + level.get() + "\"");
            };
            if (problem.isEmpty()) {
                notes.add("CRI-O allows checkpoint and restore (container_level_enabled = \"checkpoint_restore\", from "
                        + source + ")");
            }
        } else if (legacy.isPresent()) {
            problem = "true".equals(legacy.get())
                    ? Optional.empty()
                    : Optional.of("CRI-O's CRIU support is off (enable_criu_support = " + legacy.get());
            if (problem.isEmpty()) {
                notes.add("CRI-O allows checkpoint and restore (enable_criu_support = true, from " + source + ")");
            }
        } else {
            problem = Optional.of(
                    running.isPresent()
                            ? "this CRI-O names neither container_level_enabled nor enable_criu_support (it predates"
                                    + " checkpoint/restore support"
                            : "neither container_level_enabled nor enable_criu_support is set, and `crio status config`"
                                    + " did not answer; the default depends on the version: off before 1.30, on from"
                                    + " 1.30, checkpoint_only in releases with [crio.checkpoint_restore] (check with"
                                    + " `crio status config | grep -E 'container_level_enabled|enable_criu_support'`");
        }

        Optional<byte[]> dropIn = Optional.empty();
        if (configure && fix.isPresent() && (problem.isPresent() || dropInInstalled)) {
            dropIn = Optional.of(dropInText(fix.get()));
            if (problem.isPresent()) {
                notes.add(problem.get() + ", from " + source + "): writing " + HostLayout.CRIO_DROP_IN
                        + " and restarting crio.service (uninstall removes it)");
            }
        } else if (problem.isPresent()) {
            String how = fix.map(text -> "; put\n" + text.strip() + "\ninto " + HostLayout.CRIO_DROP_IN
                            + " and run `systemctl restart crio`, or re-run the installer with --configure-runtime"
                            + " (it writes that file; uninstall removes it)")
                    .orElse("; set [crio.checkpoint_restore] container_level_enabled = \"checkpoint_restore\""
                            + " (CRI-O with that table) or [crio.runtime] enable_criu_support = true (older CRI-O)"
                            + " in a file in " + HostLayout.CRIO_CONF_DIR + " and run `systemctl restart crio`");
            warnings.add(
                    problem.get() + ", from " + source + "): failover cannot restore containers on this node" + how);
        }
        return new Result(notes, warnings, dropIn);
    }

    /** Reads crio.conf, then crio.conf.d/*.conf in lexical order (crio.conf.d(5)); names what it read. */
    private String crioFiles(TomlKeys keys) throws IOException {
        List<String> read = new ArrayList<>();
        if (Files.isRegularFile(host.resolve(HostLayout.CRIO_CONF))) {
            keys.add(Files.readString(host.resolve(HostLayout.CRIO_CONF), StandardCharsets.UTF_8));
            read.add(HostLayout.CRIO_CONF);
        }
        Path dir = host.resolve(HostLayout.CRIO_CONF_DIR);
        if (Files.isDirectory(dir)) {
            List<Path> files;
            try (Stream<Path> list = Files.list(dir)) {
                files = list.filter(p -> p.getFileName().toString().endsWith(".conf"))
                        .filter(Files::isRegularFile)
                        .sorted()
                        .toList();
            }
            for (Path file : files) {
                keys.add(Files.readString(file, StandardCharsets.UTF_8));
                read.add(HostLayout.CRIO_CONF_DIR + "/" + file.getFileName());
            }
        }
        return read.isEmpty() ? "no CRI-O configuration files" : "the files " + String.join(", ", read);
    }

    private Result containerd() throws IOException {
        Optional<String> running = commands.output(List.of("containerd", "config", "dump"));
        TomlKeys keys = new TomlKeys();
        String source = "`containerd config dump`";
        if (running.isPresent()) {
            keys.add(running.get());
        } else {
            source = "/etc/containerd/config.toml";
            if (Files.isRegularFile(host.resolve(source))) {
                keys.add(Files.readString(host.resolve(source), StandardCharsets.UTF_8));
            }
        }
        List<String> notes = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Optional<Map.Entry<String, String>> criu = keys.anyTable("enable_criu");
        Optional<Map.Entry<String, String>> viaCreate = keys.anyTable("enable_experimental_restore_via_create");
        for (Optional<Map.Entry<String, String>> setting : List.of(criu, viaCreate)) {
            if (setting.isPresent() && !"true".equals(setting.get().getValue())) {
                Map.Entry<String, String> s = setting.get();
                int dot = s.getKey().lastIndexOf('.');
                String table = dot < 0 ? "" : s.getKey().substring(0, dot);
                warnings.add("containerd has " + s.getKey().substring(dot + 1) + " = " + s.getValue() + " (from "
                        + source + "): failover cannot restore containers on this node; set it to true in ["
                        + table + "] of /etc/containerd/config.toml and run `systemctl restart containerd`"
                        + (s.getKey().endsWith("enable_experimental_restore_via_create")
                                ? " (restore through CreateContainer is deprecated and removed in containerd 2.4)"
                                : ""));
            }
        }
        if (criu.isEmpty() && viaCreate.isEmpty()) {
            notes.add("containerd names neither enable_criu nor enable_experimental_restore_via_create (from " + source
                    + "): it restores through CreateContainer (containerd 2.1 and 2.2 before 2.2.7)");
        } else if (warnings.isEmpty()) {
            notes.add("containerd allows checkpoint and restore (from " + source + ")");
        }
        return new Result(notes, warnings, Optional.empty());
    }

    private static byte[] dropInText(String settings) {
        return ("# Written by `cri-failover install --configure-runtime`; `cri-failover uninstall` removes it.\n"
                        + "# cri-failover restores checkpointed containers on this node: CRI-O must allow restore.\n"
                        + settings)
                .getBytes(StandardCharsets.UTF_8);
    }
}
