package io.crifailover.failover;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/** The clocks a {@link PhaseLedger} reads: wall time, the calling thread's CPU time, this JVM's CPU time. */
public interface CpuClocks {
    long wallNanos();

    /** CPU time (user + system) of the calling thread, -1 if the JVM cannot measure it. */
    long threadCpuNanos();

    /** CPU time of this whole process (every thread), -1 if the JVM cannot measure it. */
    long processCpuNanos();

    /** The JVM's own clocks ({@link ThreadMXBean} and the operating system bean). */
    static CpuClocks jvm() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        boolean threadCpu = threads.isCurrentThreadCpuTimeSupported();
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        com.sun.management.OperatingSystemMXBean sun =
                os instanceof com.sun.management.OperatingSystemMXBean s ? s : null;
        return new CpuClocks() {
            @Override
            public long wallNanos() {
                return System.nanoTime();
            }

            @Override
            public long threadCpuNanos() {
                return threadCpu ? threads.getCurrentThreadCpuTime() : -1;
            }

            @Override
            public long processCpuNanos() {
                return sun == null ? -1 : sun.getProcessCpuTime();
            }
        };
    }
}
