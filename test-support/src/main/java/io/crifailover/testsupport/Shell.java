package io.crifailover.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs short host commands (ip, iptables, runc, umount, ...) with a bounded wait. */
public final class Shell {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private Shell() {}

    /** Result of one command. */
    public record Result(List<String> command, int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }

        public Result orThrow() {
            if (!ok()) {
                throw new IllegalStateException(
                        "command failed (exit " + exitCode + "): " + String.join(" ", command) + "\n" + output);
            }
            return this;
        }
    }

    public static Result run(String... command) {
        return run(DEFAULT_TIMEOUT, Arrays.asList(command));
    }

    public static Result runOk(String... command) {
        return run(command).orThrow();
    }

    /** Runs {@code command}, merging stdout and stderr; kills it if it outlives {@code timeout}. */
    public static Result run(Duration timeout, List<String> command) {
        Path out = null;
        try {
            out = Files.createTempFile("crif-shell", ".out");
            Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                return new Result(List.copyOf(command), 124, "timed out after " + timeout);
            }
            return new Result(List.copyOf(command), p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(List.copyOf(command), 127, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(List.copyOf(command), 130, "interrupted");
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // temp file of a finished command; nothing else refers to it
                }
            }
        }
    }

    /** Convenience for building argument lists. */
    public static List<String> args(String first, String... rest) {
        List<String> all = new ArrayList<>();
        all.add(first);
        all.addAll(Arrays.asList(rest));
        return all;
    }
}
