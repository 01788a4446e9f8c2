package io.crifailover.sniffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The directory holding capture files (0700): listing, lookup and retention. */
public final class CaptureStore {
    private final Path dir;

    public CaptureStore(Path dir) {
        this.dir = dir;
    }

    /** The directory. */
    public Path dir() {
        return dir;
    }

    /** Creates the directory with mode 0700 if it does not exist. */
    static void ensureDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(
                    dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }

    /** Capture files, oldest first (operation ids start with a UTC timestamp, so name order is time order). */
    public List<Path> files() throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(CaptureFormat.SUFFIX))
                    .sorted()
                    .toList();
        }
    }

    /** The capture of an operation id, a unique id prefix, or a path to a capture file. */
    public Path resolve(String opOrPath) throws IOException {
        Path asPath = Path.of(opOrPath);
        if (opOrPath.contains("/") && Files.isRegularFile(asPath)) {
            return asPath;
        }
        List<Path> matches = new ArrayList<>();
        for (Path f : files()) {
            if (f.getFileName().toString().startsWith(opOrPath)) {
                matches.add(f);
            }
        }
        if (matches.isEmpty()) {
            throw new IllegalArgumentException("no capture '" + opOrPath + "' in " + dir);
        }
        if (matches.size() > 1) {
            throw new IllegalArgumentException(
                    "capture id '" + opOrPath + "' is ambiguous in " + dir + ": " + matches.size() + " matches");
        }
        return matches.get(0);
    }

    /** Deletes the oldest captures so that at most {@code keep} remain. */
    public void prune(int keep) throws IOException {
        List<Path> all = files();
        for (int i = 0; i < all.size() - keep; i++) {
            Files.deleteIfExists(all.get(i));
        }
    }
}
