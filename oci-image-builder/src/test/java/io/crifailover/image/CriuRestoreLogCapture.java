package io.crifailover.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Keeps CRIU's {@code restore.log} of one container readable for a failure message: containerd
 * deletes the task's work directory (and the log) as soon as a restore fails, before the test can
 * read it. While open, this opens {@code <task state>/<container id>/work/restore.log} as soon as it
 * appears; the open file stays readable after it is unlinked. Bounded: polls every 10 ms for at most
 * {@code limit}, and stops at {@link #close()}.
 */
final class CriuRestoreLogCapture implements AutoCloseable {

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final int MAX_BYTES = 4 << 20;

    private final Path log;
    private final long deadline;
    private final Thread thread;
    private final Object lock = new Object();
    private FileChannel channel;
    private volatile boolean stopped;

    private CriuRestoreLogCapture(Path log, Duration limit) {
        this.log = log;
        this.deadline = System.nanoTime() + limit.toNanos();
        this.thread = new Thread(this::run, "criu-log-capture");
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts capturing for container {@code containerId} of the node whose private directory is {@code nodeDir}. */
    static CriuRestoreLogCapture start(Path nodeDir, String containerId, Duration limit) {
        return new CriuRestoreLogCapture(
                nodeDir.resolve("state/io.containerd.runtime.v2.task/k8s.io")
                        .resolve(containerId)
                        .resolve("work")
                        .resolve("restore.log"),
                limit);
    }

    /** The last {@code lines} lines of the restore log, for a failure message. */
    String tail(int lines) {
        stop();
        synchronized (lock) {
            if (channel == null) {
                return "no CRIU log appeared at " + log;
            }
            List<String> all = read(channel);
            return "CRIU log tail (" + log + "):\n"
                    + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        }
    }

    @Override
    public void close() {
        stop();
        synchronized (lock) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // diagnostics only
                }
                channel = null;
            }
        }
    }

    private void stop() {
        stopped = true;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (!stopped && System.nanoTime() < deadline) {
            synchronized (lock) {
                try {
                    channel = FileChannel.open(log, StandardOpenOption.READ);
                    return;
                } catch (IOException notYet) {
                    // the restore has not started writing its log yet
                }
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    private static List<String> read(FileChannel channel) {
        try {
            ByteBuffer content = ByteBuffer.allocate((int) Math.min(channel.size(), MAX_BYTES));
            while (content.hasRemaining() && channel.read(content, content.position()) > 0) {
                // read until full or end of file
            }
            content.flip();
            return List.of(StandardCharsets.UTF_8.decode(content).toString().split("\n"));
        } catch (IOException e) {
            return List.of("unreadable: " + e);
        }
    }
}
