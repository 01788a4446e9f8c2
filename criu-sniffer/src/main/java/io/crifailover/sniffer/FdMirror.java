package io.crifailover.sniffer;

import io.crifailover.protos.criu.CriuRpc;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * Makes fd numbers the runtime names in a request (images_dir_fd, work_dir_fd, status_fd, …)
 * refer, in this process, to the same open files as in the runtime. CRIU opens
 * {@code /proc/<peer>/fd/<n>} and its peer is the sniffer. Copies come from the runtime with
 * {@code pidfd_getfd} and are placed onto the launcher's /dev/null placeholders.
 */
final class FdMirror {
    private final long runtimePid;
    private final Set<Integer> inherited;
    private final Set<Integer> placeholders;
    private final Set<Integer> done = new HashSet<>();
    private final Recorder recorder;
    private int pidfd = -1;

    FdMirror(long runtimePid, Set<Integer> inherited, Set<Integer> placeholders, Recorder recorder) {
        this.runtimePid = runtimePid;
        this.inherited = inherited;
        this.placeholders = placeholders;
        this.recorder = recorder;
    }

    /** The runtime-side fd numbers a request refers to. */
    static Set<Integer> referencedFds(CriuRpc.criu_req req) {
        Set<Integer> fds = new TreeSet<>();
        if (!req.hasOpts()) {
            return fds;
        }
        CriuRpc.criu_opts o = req.getOpts();
        if (o.getImagesDirFd() >= 0) {
            fds.add(o.getImagesDirFd());
        }
        if (o.hasWorkDirFd() && o.getWorkDirFd() >= 0) {
            fds.add(o.getWorkDirFd());
        }
        if (o.hasStatusFd() && o.getStatusFd() >= 0) {
            fds.add(o.getStatusFd());
        }
        if (o.hasPs() && o.getPs().hasFd() && o.getPs().getFd() >= 0) {
            fds.add(o.getPs().getFd());
        }
        return fds;
    }

    /** Mirrors every fd the (possibly undecodable) request refers to; problems become capture notes. */
    synchronized void mirrorFor(byte[] rawRequest) {
        CriuRpc.criu_req req;
        try {
            req = CriuRpc.criu_req.parseFrom(rawRequest);
        } catch (IOException ex) {
            return;
        }
        for (int fd : referencedFds(req)) {
            mirror(fd);
        }
    }

    private void mirror(int fd) {
        if (!done.add(fd)) {
            return;
        }
        if (fd <= 2) {
            recorder.note("request refers to fd " + fd + "; fds 0-2 are shared with the runtime already");
            return;
        }
        try {
            int copy = NativeCalls.pidfdGetfd(pidfd(), fd);
            try {
                if (inherited.contains(fd)) {
                    if (!java.util.Objects.equals(NativeCalls.identity(fd), NativeCalls.identity(copy))) {
                        recorder.note("fd " + fd + " named in the request differs from the fd " + fd
                                + " the runtime handed to CRIU; CRIU will see the inherited one");
                    }
                    return;
                }
                if (!placeholders.contains(fd) && NativeCalls.identity(fd) != null) {
                    recorder.note("fd " + fd + " is in use by the sniffer's JVM; raise RESERVE_FDS above " + fd);
                    return;
                }
                NativeCalls.dup2(copy, fd);
                recorder.event(CaptureEvent.Kind.NOTE, java.util.Map.of("text", "mirrored runtime fd " + fd, "fd", fd));
            } finally {
                NativeCalls.close(copy);
            }
        } catch (IOException ex) {
            recorder.note("cannot mirror runtime fd " + fd + ": " + ex.getMessage());
        }
    }

    private int pidfd() throws IOException {
        if (pidfd < 0) {
            pidfd = NativeCalls.pidfdOpen(runtimePid);
        }
        return pidfd;
    }
}
