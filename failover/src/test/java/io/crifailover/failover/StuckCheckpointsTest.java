package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StuckCheckpointsTest {
    @TempDir
    Path dir;

    final ContainerRef c = new ContainerRef("cid", "ns", "pod", "uid", "app");
    final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    Optional<String> dumpRunning = Optional.of("runtime process 7");
    final StuckCheckpoints stuck = new StuckCheckpoints(
            new RunningDumps(Path.of("/nonexistent")) {
                @Override
                public Optional<String> evidence(String containerId, long initPid) {
                    return dumpRunning;
                }
            },
            Clock.systemUTC(),
            metrics);

    @Test
    void aTimedOutContainerIsNotCheckpointedWhileItsDumpRunsThenAgain() throws Exception {
        Path lateArchive = Files.writeString(dir.resolve("archive.tar"), "late");
        stuck.timedOut(c, 4, Duration.ofSeconds(30), 123, lateArchive);
        assertThat(metrics.get("crif.checkpoint.timeouts").counter().count()).isEqualTo(1);
        assertThat(metrics.get("crif.checkpoint.stuck").gauge().value()).isEqualTo(1);
        assertThat(stuck.all().get("cid").evidence()).isEqualTo("runtime process 7");

        dumpRunning = Optional.of("init 123 is ptrace-attached by 9 (criu)");
        assertThat(stuck.stillDumping("cid")).get().asString().contains("ptrace-attached");
        assertThat(stuck.all().get("cid").evidence()).contains("ptrace-attached");
        assertThat(stuck.stillDumping("other")).isEmpty();

        dumpRunning = Optional.empty();
        assertThat(stuck.stillDumping("cid")).isEmpty();
        assertThat(stuck.all()).isEmpty();
        assertThat(metrics.get("crif.checkpoint.stuck").gauge().value()).isZero();
        assertThat(lateArchive).doesNotExist();
    }
}
