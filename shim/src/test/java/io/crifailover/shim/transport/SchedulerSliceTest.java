package io.crifailover.shim.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SchedulerSliceTest {

    @Test
    void knowsTheSyscallOnLinuxArchitecturesItSupports() {
        assertThat(SchedulerSlice.syscallNumber("amd64")).isEqualTo(314);
        assertThat(SchedulerSlice.syscallNumber("aarch64")).isEqualTo(274);
        assertThat(SchedulerSlice.syscallNumber("ppc64le")).isEqualTo(-1);
    }

    @Test
    void readsNiceFromStatEvenWithSpacesInTheThreadName() {
        String stat = "4242 (cri io) S 1 4242 4242 0 -1 4194624 100 0 0 0 5 3 0 0 20 -5 12 0 100 0 0";
        assertThat(SchedulerSlice.niceFromStat(stat)).isEqualTo(-5);
    }

    /** Where the kernel grants it (Linux 6.12+), the thread's slice reads back as asked. */
    @Test
    void grantedSliceIsTheThreadsSliceAndNiceIsKept() throws Exception {
        AtomicReference<String> sched = new AtomicReference<>();
        AtomicReference<Boolean> applied = new AtomicReference<>();
        AtomicReference<String> niceBefore = new AtomicReference<>();
        AtomicReference<String> niceAfter = new AtomicReference<>();
        Thread thread = new Thread(() -> {
            try {
                niceBefore.set(niceField());
                applied.set(SchedulerSlice.applyToCurrentThread(SchedulerSlice.SHORTEST_NANOS));
                niceAfter.set(niceField());
                sched.set(Files.readString(Path.of("/proc/thread-self/sched")));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        thread.start();
        thread.join();
        assertThat(niceAfter.get()).isEqualTo(niceBefore.get());
        if (applied.get() && sched.get().contains("se.slice")) {
            assertThat(sched.get()).containsPattern("se\\.slice\\s+:\\s+100000\\b");
        }
    }

    private static String niceField() throws IOException {
        return Integer.toString(SchedulerSlice.niceFromStat(Files.readString(Path.of("/proc/thread-self/stat"))));
    }
}
