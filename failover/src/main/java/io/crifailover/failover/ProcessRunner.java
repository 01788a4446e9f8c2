package io.crifailover.failover;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command under a hard time limit: on timeout the process and its descendants are killed. */
public final class ProcessRunner {
    /** Output kept per run; the rest is read and dropped. */
    static final int MAX_OUTPUT = 16 * 1024;

    /**
     * What a run gave.
     *
     * @param exitCode the exit status, -1 when it timed out or could not start
     * @param timedOut killed at the time limit
     * @param output   stdout and stderr, trimmed, at most {@value #MAX_OUTPUT} bytes
     * @param took     wall time
     */
    public record Outcome(int exitCode, boolean timedOut, String output, Duration took) {
        public boolean succeeded() {
            return !timedOut && exitCode == 0;
        }
    }

    /** Runs {@code command} in {@code workDir} (null: the current one) for at most {@code limit}. */
    public Outcome run(List<String> command, Path workDir, Duration limit) {
        long start = System.nanoTime();
        Process process;
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            if (workDir != null) {
                pb.directory(workDir.toFile());
            }
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            process = pb.start();
        } catch (IOException e) {
            return new Outcome(-1, false, "cannot run " + command.get(0) + ": " + e.getMessage(), since(start));
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> drain(process.getInputStream(), output), "process-output");
        reader.setDaemon(true);
        reader.start();
        boolean exited;
        try {
            exited = process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exited = false;
        }
        if (!exited) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        try {
            reader.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String text;
        synchronized (output) {
            text = output.toString(StandardCharsets.UTF_8).trim();
        }
        return new Outcome(exited ? process.exitValue() : -1, !exited, text, since(start));
    }

    private static void drain(InputStream in, ByteArrayOutputStream sink) {
        byte[] buffer = new byte[4096];
        try (in) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                synchronized (sink) {
                    int room = MAX_OUTPUT - sink.size();
                    if (room > 0) {
                        sink.write(buffer, 0, Math.min(room, n));
                    }
                }
            }
        } catch (IOException e) {
            // the process was killed: what was read so far is kept
        }
    }

    private static Duration since(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
