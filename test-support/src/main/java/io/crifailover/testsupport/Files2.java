package io.crifailover.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** File helpers the JDK lacks. */
public final class Files2 {
    private Files2() {}

    /** Deletes a directory tree, ignoring what has already gone; never follows links out of it. */
    public static void deleteTree(Path root) {
        if (root == null || !Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // busy mount points are unmounted by the caller first; report via leftovers checks
                }
            });
        } catch (IOException | java.io.UncheckedIOException ignored) {
            // tree vanished while walking
        }
    }
}
