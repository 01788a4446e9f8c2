package io.crifailover.sniffer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;

/**
 * The real CRIU, started with {@code posix_spawnp}: its end of the socket is placed at the fd
 * number the runtime used, the fds inherited from the runtime stay at their numbers, every other
 * fd of the JVM is closed in the child. Fds 0-2 are passed through untouched.
 */
final class CriuProcess {
    private final long pid;

    private CriuProcess(long pid) {
        this.pid = pid;
    }

    /**
     * Spawns {@code criu swrk <socketFd>}.
     *
     * @param criu       path of the real CRIU
     * @param args       arguments after argv[0], as the runtime passed them
     * @param childEnd   this process's fd of CRIU's socket end
     * @param socketFd   the number the socket must have in CRIU
     * @param keep       inherited fds CRIU gets at the same numbers
     */
    static CriuProcess spawn(String criu, List<String> args, int childEnd, int socketFd, Set<Integer> keep)
            throws IOException {
        NativeCalls.LibC libc = NativeCalls.libc();
        Pointer actions = NativeCalls.newFileActions();
        try {
            libc.posix_spawn_file_actions_adddup2(actions, childEnd, socketFd);
            for (int fd : NativeCalls.openFds()) {
                if (fd > 2 && fd != socketFd && !keep.contains(fd)) {
                    libc.posix_spawn_file_actions_addclose(actions, fd);
                }
            }
            List<String> argv = new ArrayList<>();
            argv.add(criu);
            argv.addAll(args);
            List<String> env = new ArrayList<>();
            for (Map.Entry<String, String> e : System.getenv().entrySet()) {
                env.add(e.getKey() + "=" + e.getValue());
            }
            List<Pointer> keepAlive = new ArrayList<>();
            IntByReference pid = new IntByReference();
            int err = libc.posix_spawnp(
                    pid,
                    criu,
                    actions,
                    null,
                    NativeCalls.cStringArray(argv, keepAlive),
                    NativeCalls.cStringArray(env, keepAlive));
            if (err != 0) {
                throw new IOException("posix_spawnp(" + criu + ") failed: error " + err);
            }
            return new CriuProcess(pid.intValue());
        } finally {
            libc.posix_spawn_file_actions_destroy(actions);
        }
    }

    long pid() {
        return pid;
    }

    /** Waits for CRIU to exit; returns its exit code (128 + signal if killed). */
    int waitFor() throws IOException {
        IntByReference status = new IntByReference();
        while (true) {
            int r = NativeCalls.libc().waitpid((int) pid, status, 0);
            if (r == pid) {
                return NativeCalls.exitCode(status.intValue());
            }
            int errno = NativeCalls.lastError();
            if (r < 0 && errno != 4) { // 4 = EINTR
                throw new IOException("waitpid(" + pid + ") failed: errno " + errno);
            }
        }
    }
}
