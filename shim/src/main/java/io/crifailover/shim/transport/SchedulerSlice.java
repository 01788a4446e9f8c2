package io.crifailover.shim.transport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks Linux for a short scheduling slice for the calling thread ({@code sched_setattr} with
 * {@code sched_runtime} under SCHED_OTHER: the EEVDF custom slice of Linux 6.12 and later).
 *
 * <p>Why: a relayed call wakes the shim's I/O thread twice (request in, response in), each time
 * for some tens of microseconds. On a node where the runtime keeps the CPUs busy, a woken thread
 * with the default slice (0.7 ms times 1 + log2(CPUs)) waits for the running task to use up its
 * own slice, hundreds of microseconds per wake-up. A thread that asks for a shorter slice than the
 * running one may preempt it at once. Its CPU share (the nice weight) does not change. Older
 * kernels accept the call and ignore the slice; failures are logged and otherwise ignored.
 */
public final class SchedulerSlice {

    private static final Logger LOG = LoggerFactory.getLogger(SchedulerSlice.class);

    /** The shortest slice Linux grants: 0.1 ms. */
    public static final long SHORTEST_NANOS = 100_000;

    private static final int SCHED_OTHER = 0;
    /** {@code SCHED_ATTR_SIZE_VER0}: the fields up to {@code sched_period}. */
    private static final int ATTR_SIZE = 48;

    private SchedulerSlice() {}

    /** The libc call used; public for jnr-ffi's proxy. */
    public interface LibC {
        long syscall(long number, long tid, Pointer attr, long flags);
    }

    private static final class Native {
        static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
    }

    /**
     * Gives the calling thread a slice of {@code nanos}, keeping its nice value.
     *
     * @return whether the kernel accepted the request
     */
    public static boolean applyToCurrentThread(long nanos) {
        long number = syscallNumber(System.getProperty("os.arch"));
        if (number < 0) {
            LOG.debug("sched_setattr not known on {}; default scheduling slice kept", System.getProperty("os.arch"));
            return false;
        }
        try {
            Runtime runtime = Runtime.getRuntime(Native.LIBC);
            Pointer attr = Memory.allocateDirect(runtime, ATTR_SIZE, true);
            attr.putInt(0, ATTR_SIZE);
            attr.putInt(4, SCHED_OTHER);
            attr.putLong(8, 0);
            attr.putInt(16, currentNice());
            attr.putInt(20, 0);
            attr.putLong(24, nanos);
            long result = Native.LIBC.syscall(number, 0, attr, 0);
            if (result != 0) {
                LOG.debug("sched_setattr refused (errno {}); default scheduling slice kept", runtime.getLastError());
                return false;
            }
            return true;
        } catch (IOException | RuntimeException | LinkageError e) {
            LOG.debug("could not set a scheduling slice: {}", e.toString());
            return false;
        }
    }

    /** {@code SYS_sched_setattr} on {@code arch}, or -1 when unknown. */
    static long syscallNumber(String arch) {
        return switch (arch) {
            case "amd64", "x86_64" -> 314;
            case "aarch64", "arm64" -> 274;
            default -> -1;
        };
    }

    /** The calling thread's nice value (field 19 of {@code /proc/thread-self/stat}). */
    private static int currentNice() throws IOException {
        return niceFromStat(Files.readString(Path.of("/proc/thread-self/stat")));
    }

    static int niceFromStat(String stat) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(fields[16]);
    }
}
