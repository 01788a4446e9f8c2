package io.crifailover.sniffer;

import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code criu swrk <n>} run through the sniffer: take over the runtime's socket at fd n,
 * wait for the first request (the runtime has moved us into the container's cgroups by then),
 * mirror the fds it names, start the real CRIU with a fresh socket at fd n, forward every
 * datagram both ways unchanged while recording it, and exit with CRIU's status.
 */
final class SwrkSession {
    private static final Logger LOG = LoggerFactory.getLogger(SwrkSession.class);
    private static final long DRAIN_SECONDS = 10;

    private final SnifferSettings settings;
    private final List<String> args;
    private final int socketFd;

    SwrkSession(SnifferSettings settings, List<String> args, int socketFd) {
        this.settings = settings;
        this.args = List.copyOf(args);
        this.socketFd = socketFd;
    }

    int run() throws IOException, InterruptedException {
        long pid = ProcessHandle.current().pid();
        String op = OperationIds.next(Instant.now(), pid);
        try (Recorder recorder = Recorder.open(settings.captureDir(), op);
                SeqpacketLink runtime = SeqpacketLink.adopt(socketFd)) {
            long runtimePid = runtime.peerPid() > 0
                    ? runtime.peerPid()
                    : NativeCalls.libc().getppid();
            recorder.event(CaptureEvent.Kind.META, meta(pid, runtimePid));
            SeqpacketLink[] pair = SeqpacketLink.pair();
            SeqpacketLink criuSide = pair[0];
            FdMirror mirror = new FdMirror(runtimePid, settings.inheritedFds(), settings.placeholderFds(), recorder);

            SeqpacketLink.Datagram first = runtime.receive();
            if (first != null) {
                recorder.message(Direction.TO_CRIU, first.bytes(), first.fds().length);
                mirror.mirrorFor(first.bytes());
            }
            CriuProcess criu = CriuProcess.spawn(
                    settings.realCriu().toString(), args, pair[1].fdNumber(), socketFd, settings.inheritedFds());
            pair[1].close();
            recorder.event(
                    CaptureEvent.Kind.NOTE, Map.of("text", "spawned " + settings.realCriu(), "criu_pid", criu.pid()));

            Thread toRuntime = relay("criu->runtime", criuSide, runtime, Direction.TO_RUNTIME, recorder, null);
            if (first == null) {
                criuSide.shutdownOutput();
            } else {
                criuSide.send(first);
                relay("runtime->criu", runtime, criuSide, Direction.TO_CRIU, recorder, mirror);
            }
            int status = criu.waitFor();
            toRuntime.join(TimeUnit.SECONDS.toMillis(DRAIN_SECONDS));
            recorder.event(CaptureEvent.Kind.EXIT, Map.of("status", status));
            criuSide.close();
            prune();
            return status;
        }
    }

    private Map<String, Object> meta(long pid, long runtimePid) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("wall", Instant.now().toString());
        m.put("argv", args);
        m.put("pid", pid);
        m.put("runtime_pid", runtimePid);
        m.put(
                "runtime",
                ProcessHandle.of(runtimePid).flatMap(p -> p.info().command()).orElse("?"));
        m.put("criu", settings.realCriu().toString());
        m.put("socket_fd", socketFd);
        m.put("inherited_fds", List.copyOf(settings.inheritedFds()));
        return m;
    }

    /** Forwards datagrams from {@code from} to {@code to} until end of stream, then passes the end on. */
    private static Thread relay(
            String name, SeqpacketLink from, SeqpacketLink to, Direction dir, Recorder recorder, FdMirror mirror) {
        Thread t = new Thread(
                () -> {
                    try {
                        SeqpacketLink.Datagram d;
                        while ((d = from.receive()) != null) {
                            recorder.message(dir, d.bytes(), d.fds().length);
                            if (mirror != null) {
                                mirror.mirrorFor(d.bytes());
                            }
                            to.send(d);
                        }
                        recorder.note(dir == Direction.TO_CRIU ? "runtime closed its end" : "criu closed its end");
                    } catch (IOException | RuntimeException ex) {
                        recorder.note(name + " relay stopped: " + ex);
                        LOG.debug("{} relay stopped", name, ex);
                    }
                    to.shutdownOutput();
                },
                name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void prune() {
        try {
            new CaptureStore(settings.captureDir()).prune(settings.keepCaptures());
        } catch (IOException ex) {
            LOG.warn("pruning captures failed: {}", ex.toString());
        }
    }
}
