package io.crifailover.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/setup} proves that the machine can checkpoint (bin/criu-smoke) and, where CRIU cannot,
 * fails within a minute naming why. The stand-ins play a CRIU whose check fails and one whose dump
 * hangs, as CRIU 4.1 did where a VM's hardware breakpoints do not work.
 */
@Tag("integration")
class SetupCheckpointProofIT {
    /** The acceptance bound for a machine that cannot checkpoint; the subject of this test is time. */
    private static final Duration FAILS_WITHIN = Duration.ofSeconds(60);

    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void realCriuProvesCheckpointAndRestoreThroughRunc() throws IOException {
        Shell.Result result = setupWith(realCriu());
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("criu check passed", "restored: the counter went on from");
        assertThat(Files.readString(dir.resolve("stamp"))).contains("criu=", "kernel=", "cpu=");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("stamp"))))
                .isEqualTo("rw-------");
    }

    @Test
    void criuWhoseCheckFailsMakesSetupFailNamingTheMissingFeature() throws IOException {
        Path standIn = standIn(
                "criu-failing-check",
                "if [ \"$1\" = check ]; then\n"
                        + "  echo \"Error (criu/cr-check.c:1): Kernel doesn't support PTRACE_O_SUSPEND_SECCOMP\" >&2\n"
                        + "  exit 1\n"
                        + "fi\n"
                        + "exec " + realCriu() + " \"$@\"\n");
        long start = System.nanoTime();
        Shell.Result result = setupWith(standIn);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(result.exitCode()).as(result.output()).isNotZero();
        assertThat(result.output())
                .contains("PTRACE_O_SUSPEND_SECCOMP", "'criu check' failed", "cannot checkpoint and restore");
        assertThat(took).isLessThan(FAILS_WITHIN);
        assertThat(dir.resolve("stamp")).doesNotExist();
    }

    @Test
    void criuWhoseDumpHangsMakesSetupFailWithinAMinuteAndLeavesNothingBehind() throws IOException {
        Path standIn = standIn(
                "criu-hanging-dump",
                "case \"$1\" in check|--version) exec " + realCriu() + " \"$@\";; esac\n" + "exec sleep 1000\n");
        long start = System.nanoTime();
        Shell.Result result = setupWith(standIn);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(result.exitCode()).as(result.output()).isNotZero();
        assertThat(result.output()).contains("did not finish within", "CRIU hung", "could not checkpoint");
        assertThat(took).isLessThan(FAILS_WITHIN);
        assertThat(Shell.run("pgrep", "-f", standIn.toString()).ok())
                .as("the hung stand-in was ended")
                .isFalse();
        assertThat(Shell.run("pgrep", "-f", "criu-smoke-").ok())
                .as("no smoke container left")
                .isFalse();
    }

    private Shell.Result setupWith(Path criu) {
        return Shell.run(
                Duration.ofSeconds(120),
                List.of(
                        "env",
                        "CRIU=" + criu,
                        "CRIU_SMOKE_STAMP=" + dir.resolve("stamp"),
                        "CRIF_SETUP_NO_INSTALL=1",
                        REPO.resolve("bin/setup").toString()));
    }

    private static Path realCriu() {
        return Path.of(Shell.runOk("sh", "-c", "command -v criu").output().strip());
    }

    private Path standIn(String name, String body) throws IOException {
        Path script = dir.resolve(name);
        Files.writeString(script, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }
}
