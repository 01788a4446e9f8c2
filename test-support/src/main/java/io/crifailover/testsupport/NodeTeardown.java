package io.crifailover.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Removes what a {@link ContainerdNode} may have left: runc containers, shims and every other
 * process referring to the node's directory, processes in its cgroups, mounts below its
 * directory, its cgroups, its CNI bridge and cache, and the directory itself.
 */
final class NodeTeardown {
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");
    private static final Path CNI_CACHE = Path.of("/var/lib/cni/results");

    private final Path work;
    private final int slot;
    private final NetworkNamespace netns;

    NodeTeardown(Path work, int slot, NetworkNamespace netns) {
        this.work = work;
        this.slot = slot;
        this.netns = netns;
    }

    void run() {
        String runcRoot = work.resolve("runc").toString();
        if (Files.isDirectory(Path.of(runcRoot))) {
            for (String id :
                    Shell.run("runc", "--root", runcRoot, "list", "-q").output().split("\\s+")) {
                if (!id.isBlank()) {
                    Shell.run("runc", "--root", runcRoot, "kill", "--all", id, "KILL");
                    Shell.run("runc", "--root", runcRoot, "delete", "--force", id);
                }
            }
        }
        for (int round = 0; round < 3; round++) {
            List<Long> pids = new ArrayList<>(processesReferringToWork());
            pids.addAll(processesInCgroups());
            if (pids.isEmpty()) {
                break;
            }
            pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            pids.forEach(pid -> ProcessHandle.of(pid)
                    .ifPresent(h -> h.onExit()
                            .orTimeout(5, java.util.concurrent.TimeUnit.SECONDS)
                            .exceptionally(t -> h)
                            .join()));
        }
        for (String mount : mountsUnderWork()) {
            if (!Shell.run("umount", mount).ok()) {
                Shell.run("umount", "-l", mount);
            }
        }
        for (Path cgroup : cgroupDirs()) {
            removeCgroupTree(cgroup);
        }
        linkCommand("del");
        try (Stream<Path> cache = Files.exists(CNI_CACHE) ? Files.list(CNI_CACHE) : Stream.empty()) {
            cache.filter(p -> p.getFileName().toString().startsWith("crif-" + slot + "-"))
                    .forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // cache files are small and harmless
        }
        Files2.deleteTree(work);
    }

    List<String> leftovers() {
        List<String> left = new ArrayList<>();
        processesReferringToWork().forEach(pid -> left.add("process " + pid + ": " + cmdline(pid)));
        processesInCgroups().forEach(pid -> left.add("process in cgroup " + pid + ": " + cmdline(pid)));
        mountsUnderWork().forEach(m -> left.add("mount " + m));
        cgroupDirs().forEach(c -> left.add("cgroup " + c));
        if (linkCommand("show")) {
            left.add("bridge " + ContainerdConfig.bridgeName(slot));
        }
        if (Files.exists(work)) {
            left.add("directory " + work);
        }
        return left;
    }

    /** Runs {@code ip link <verb> <bridge>} where the bridge lives; true on success. */
    private boolean linkCommand(String verb) {
        String bridge = ContainerdConfig.bridgeName(slot);
        if (netns != null) {
            return netns.exists() && netns.exec("ip", "link", verb, bridge).ok();
        }
        return Shell.run("ip", "link", verb, bridge).ok();
    }

    private List<Long> processesReferringToWork() {
        String needle = work.toString();
        long self = ProcessHandle.current().pid();
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            procs.map(p -> p.getFileName().toString())
                    .filter(n -> n.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong)
                    .filter(pid -> pid != self)
                    .filter(pid -> cmdline(pid).contains(needle))
                    .forEach(pids::add);
        } catch (IOException ignored) {
            // /proc is always there on Linux
        }
        return pids;
    }

    private List<Long> processesInCgroups() {
        List<Long> pids = new ArrayList<>();
        for (Path dir : cgroupDirs()) {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.filter(p -> p.getFileName().toString().equals("cgroup.procs"))
                        .forEach(procs -> {
                            try {
                                for (String line : Files.readAllLines(procs)) {
                                    if (!line.isBlank()) {
                                        pids.add(Long.parseLong(line.trim()));
                                    }
                                }
                            } catch (IOException ignored) {
                                // cgroup vanished meanwhile
                            }
                        });
            } catch (IOException | java.io.UncheckedIOException ignored) {
                // cgroup vanished meanwhile
            }
        }
        return pids;
    }

    private static String cmdline(long pid) {
        try {
            return new String(
                            Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    private List<String> mountsUnderWork() {
        String prefix = work.toString();
        List<String> mounts = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String mountPoint = line.split(" ")[4].replace("\\040", " ");
                if (mountPoint.equals(prefix) || mountPoint.startsWith(prefix + "/")) {
                    mounts.add(mountPoint);
                }
            }
        } catch (IOException ignored) {
            // no mountinfo: nothing we could unmount anyway
        }
        mounts.sort(Comparator.comparingInt(String::length).reversed());
        return mounts;
    }

    private List<Path> cgroupDirs() {
        String name = ContainerdConfig.cgroupParent(slot).substring(1);
        List<Path> dirs = new ArrayList<>();
        try (Stream<Path> hierarchies = Files.list(CGROUP_ROOT)) {
            hierarchies.map(h -> h.resolve(name)).filter(Files::isDirectory).forEach(dirs::add);
        } catch (IOException ignored) {
            // no cgroup fs
        }
        if (Files.isDirectory(CGROUP_ROOT.resolve(name))) {
            dirs.add(CGROUP_ROOT.resolve(name));
        }
        return dirs;
    }

    private static void removeCgroupTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(Files::isDirectory)
                    .sorted(Comparator.reverseOrder())
                    .forEach(d -> d.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException ignored) {
            // reported by leftovers()
        }
    }
}
