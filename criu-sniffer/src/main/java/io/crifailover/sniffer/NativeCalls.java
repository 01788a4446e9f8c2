package io.crifailover.sniffer;

import java.io.FileDescriptor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.byref.IntByReference;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * The few libc calls Java does not offer (dup2, close, shutdown, pidfd_open/pidfd_getfd via
 * {@code syscall}, posix_spawnp with file actions, waitpid), bound with jnr-ffi in reflection
 * mode. A small interface instead of jnr-posix's full one: binding it is a large part of the
 * sniffer's start-up time.
 */
final class NativeCalls {
    /** Linux syscall numbers; identical on x86_64 and aarch64 (unified table since 5.x). */
    private static final long SYS_PIDFD_OPEN = 434;

    private static final long SYS_PIDFD_GETFD = 438;
    private static final int SHUT_WR = 1;

    /** libc entry points jnr-posix lacks. */
    public interface LibC {
        @SaveError
        long syscall(long number, long a, long b, long c);

        @SaveError
        int shutdown(int fd, int how);

        int close(int fd);

        @SaveError
        int dup2(int oldFd, int newFd);

        int getppid();

        int dup(int fd);

        @SaveError
        int waitpid(int pid, @Out IntByReference status, int options);

        int posix_spawn_file_actions_init(Pointer actions);

        int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int newFd);

        int posix_spawn_file_actions_addclose(Pointer actions, int fd);

        int posix_spawn_file_actions_destroy(Pointer actions);

        /** Returns 0 or an error number (not via errno). */
        int posix_spawnp(
                @Out IntByReference pid, String file, Pointer actions, Pointer attr, Pointer argv, Pointer envp);
    }

    private static final class Holder {
        static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
    }

    private NativeCalls() {}

    static int lastError() {
        return jnr.ffi.Runtime.getSystemRuntime().getLastError();
    }

    static LibC libc() {
        return Holder.LIBC;
    }

    /** The kernel fd number behind a Java FileDescriptor. */
    static int fdNumber(FileDescriptor fd) throws IOException {
        return FileDescriptorCast.using(fd).as(Integer.class);
    }

    static void dup2(int from, int to) throws IOException {
        if (libc().dup2(from, to) < 0) {
            throw new IOException("dup2(" + from + ", " + to + ") failed: errno " + lastError());
        }
    }

    static void close(int fd) {
        libc().close(fd);
    }

    static void shutdownWrite(int fd) {
        libc().shutdown(fd, SHUT_WR);
    }

    /** A pidfd for {@code pid}; throws if the kernel refuses (no such process, kernel older than 5.3). */
    static int pidfdOpen(long pid) throws IOException {
        long r = libc().syscall(SYS_PIDFD_OPEN, pid, 0, 0);
        if (r < 0) {
            throw new IOException("pidfd_open(" + pid + ") failed: errno " + lastError());
        }
        return (int) r;
    }

    /** Copies fd {@code targetFd} of the process behind {@code pidfd} into this process (new fd, close-on-exec). */
    static int pidfdGetfd(int pidfd, int targetFd) throws IOException {
        long r = libc().syscall(SYS_PIDFD_GETFD, pidfd, targetFd, 0);
        if (r < 0) {
            throw new IOException("pidfd_getfd(fd " + targetFd + ") failed: errno " + lastError());
        }
        return (int) r;
    }

    /** Open fd numbers of this process (from /proc/self/fd; the listing's own fd may be included). */
    static List<Integer> openFds() throws IOException {
        List<Integer> fds = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            s.forEach(p -> fds.add(Integer.parseInt(p.getFileName().toString())));
        }
        return fds;
    }

    /** The (dev, inode) identity of what fd refers to, from /proc/self/fd; null if not open. */
    static String identity(int fd) {
        try {
            Object ino = Files.getAttribute(Path.of("/proc/self/fd/" + fd), "unix:ino");
            Object dev = Files.getAttribute(Path.of("/proc/self/fd/" + fd), "unix:dev");
            return dev + ":" + ino;
        } catch (IOException | UnsupportedOperationException ex) {
            return null;
        }
    }

    /** posix_spawn_file_actions_t storage (glibc: 80 bytes; 256 leaves room on any ABI), initialised. */
    static Pointer newFileActions() {
        Pointer actions = Memory.allocateDirect(jnr.ffi.Runtime.getRuntime(libc()), 256, true);
        libc().posix_spawn_file_actions_init(actions);
        return actions;
    }

    /** A NULL-terminated {@code char *[]}; the strings are added to {@code keepAlive} so they outlive the call. */
    static Pointer cStringArray(List<String> items, List<Pointer> keepAlive) {
        jnr.ffi.Runtime rt = jnr.ffi.Runtime.getRuntime(libc());
        int word = rt.addressSize();
        Pointer array = Memory.allocateDirect(rt, (items.size() + 1) * word, true);
        for (int i = 0; i < items.size(); i++) {
            byte[] bytes = items.get(i).getBytes(StandardCharsets.UTF_8);
            Pointer str = Memory.allocateDirect(rt, bytes.length + 1, true);
            str.put(0, bytes, 0, bytes.length);
            str.putByte(bytes.length, (byte) 0);
            keepAlive.add(str);
            array.putAddress((long) i * word, str.address());
        }
        array.putAddress((long) items.size() * word, 0L);
        keepAlive.add(array);
        return array;
    }

    /** Exit code in shell convention: the exit status, or 128 + signal. */
    static int exitCode(int waitStatus) {
        int sig = waitStatus & 0x7f;
        return sig == 0 ? (waitStatus >> 8) & 0xff : 128 + sig;
    }
}
