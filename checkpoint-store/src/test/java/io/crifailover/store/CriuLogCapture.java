package io.crifailover.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Keeps copies of the CRIU restore logs that runc writes under a containerd node's task work directories while
 * a restore runs: the shim deletes the task directory, log included, when the restore fails. Polls every
 * 20 ms for at most two minutes, until closed.
 */
final class CriuLogCapture implements AutoCloseable {
    private static final Duration LIMIT = Duration.ofMinutes(2);
    private final Path nodeDir;
    private final Path out;
    private final Thread poller;
    private volatile boolean stopped;

    private CriuLogCapture(Path nodeDir, Path out) {
        this.nodeDir = nodeDir;
        this.out = out;
        this.poller = new Thread(this::poll, "criu-log-capture");
        this.poller.setDaemon(true);
    }

    static CriuLogCapture start(Path nodeDir, Path out) throws IOException {
        Files.createDirectories(out);
        CriuLogCapture c = new CriuLogCapture(nodeDir, out);
        c.poller.start();
        return c;
    }

    private void poll() {
        long end = System.nanoTime() + LIMIT.toNanos();
        while (!stopped && System.nanoTime() < end) {
            copyOnce();
            LockSupport.parkNanos(20_000_000);
        }
        copyOnce();
    }

    private void copyOnce() {
        Path tasks = nodeDir.resolve("state").resolve("io.containerd.runtime.v2.task");
        try (Stream<Path> s = Files.find(
                tasks,
                4,
                (p, a) -> a.isRegularFile() && p.getFileName().toString().equals("restore.log"))) {
            for (Path log : s.toList()) {
                String id = log.getParent().getParent().getFileName().toString();
                Files.copy(log, out.resolve("restore-" + id + ".log"), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // the directory vanished between listing and copying; the next round catches up
        }
    }

    /** The last {@code lines} lines of every captured log. */
    String tails(int lines) {
        close();
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.list(out)) {
            for (Path p : s.sorted().toList()) {
                List<String> all = Files.readAllLines(p);
                sb.append("CRIU ")
                        .append(p.getFileName())
                        .append(" (last ")
                        .append(lines)
                        .append(" lines):\n")
                        .append(String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size())))
                        .append('\n');
            }
        } catch (IOException e) {
            sb.append("captured CRIU logs unreadable: ").append(e).append('\n');
        }
        return sb.length() == 0 ? "no CRIU restore log captured" : sb.toString();
    }

    @Override
    public void close() {
        stopped = true;
        try {
            poller.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
