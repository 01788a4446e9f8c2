package io.crifailover.failover;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Reads CPU facts of a process from {@code /proc/<pid>/stat}: its parent, and the CPU time of the process plus that
 * of its waited-for children (utime + stime + cutime + cstime). Clock ticks are taken as 100 per second (Linux's
 * USER_HZ on every architecture this project runs on).
 */
final class ProcStat {
    static final long NANOS_PER_TICK = 10_000_000L;
    private final Path proc;

    ProcStat(Path proc) {
        this.proc = proc;
    }

    /** The parent pid of {@code pid}, empty if the process is gone or unreadable. */
    OptionalLong parent(long pid) {
        String[] f = fields(pid);
        return f == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(f[1]));
    }

    /** CPU time of {@code pid} and its reaped children in nanoseconds, empty if the process is gone. */
    OptionalLong cpuWithChildrenNanos(long pid) {
        String[] f = fields(pid);
        if (f == null) {
            return OptionalLong.empty();
        }
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
        return OptionalLong.of(ticks * NANOS_PER_TICK);
    }

    /**
     * The fields after the command name (which may hold spaces and parentheses): index 0 is the state, 1 the
     * parent pid, 11..14 utime, stime, cutime, cstime.
     */
    static String[] parse(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            return null;
        }
        String[] f = stat.substring(close + 1).trim().split("\\s+");
        return f.length < 15 ? null : f;
    }

    private String[] fields(long pid) {
        if (pid <= 0) {
            return null;
        }
        try {
            return parse(Files.readString(proc.resolve(Long.toString(pid)).resolve("stat")));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
