package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads a fake /proc. */
class RunningDumpsTest {
    static final String ID = "4f0e9c2a";

    @TempDir
    Path proc;

    void process(int pid, String cmdline, long tracerPid) throws IOException {
        Path dir = Files.createDirectories(proc.resolve(Integer.toString(pid)));
        Files.writeString(dir.resolve("cmdline"), cmdline.replace(' ', '\0') + "\0");
        Files.writeString(dir.resolve("status"), "Name:\tx\nState:\tS\nTracerPid:\t" + tracerPid + "\nUid:\t0\n");
        Files.writeString(dir.resolve("comm"), cmdline.split(" ")[0] + "\n");
    }

    @Test
    void aRuntimeCheckpointProcessOfThatContainerIsADumpStillRunning() throws IOException {
        Files.createDirectories(proc.resolve("self"));
        process(10, "runc --root /run/r checkpoint --image-path /tmp/i --leave-running " + ID, 0);
        assertThat(new RunningDumps(proc).evidence(ID, 0)).get().asString().contains("runtime process 10");
        assertThat(new RunningDumps(proc).evidence("other", 0)).isEmpty();
    }

    @Test
    void aPtraceAttachedInitIsADumpStillRunningAndAGoneOneIsNot() throws IOException {
        process(20, "/counter", 21);
        process(21, "criu swrk 3", 0);
        process(30, "/counter", 0);
        assertThat(new RunningDumps(proc).evidence(ID, 20)).get().asString().contains("ptrace-attached by 21 (criu)");
        assertThat(new RunningDumps(proc).evidence(ID, 30)).isEmpty();
        assertThat(new RunningDumps(proc).evidence(ID, 99)).isEmpty();
    }

    @Test
    void onlyTheLastArgumentOfACheckpointCommandNamesTheContainer() {
        assertThat(RunningDumps.isCheckpointOf(List.of("runc", "checkpoint", ID), ID))
                .isTrue();
        assertThat(RunningDumps.isCheckpointOf(List.of("runc", "restore", ID), ID))
                .isFalse();
        assertThat(RunningDumps.isCheckpointOf(List.of("runc", "checkpoint", ID, "x"), ID))
                .isFalse();
        assertThat(RunningDumps.isCheckpointOf(List.of(), ID)).isFalse();
    }
}
