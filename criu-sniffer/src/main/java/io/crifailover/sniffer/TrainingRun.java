package io.crifailover.sniffer;

import io.crifailover.protos.criu.CriuRpc;
import java.io.FileDescriptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Walks the sniffer's code paths once without a runtime or CRIU (socket pair with fd passing,
 * capture writing and reading, decoding, transcript), so that {@code -XX:ArchiveClassesAtExit}
 * captures the classes a real run loads. Used when installing the stand-in.
 */
final class TrainingRun {

    private TrainingRun() {}

    static void run(Path scratch) throws IOException {
        Files.createDirectories(scratch);
        Path dir = Files.createTempDirectory(scratch, "train");
        SeqpacketLink[] pair = SeqpacketLink.pair();
        NativeCalls.openFds();
        NativeCalls.identity(pair[0].fdNumber());
        int pidfd = NativeCalls.pidfdOpen(ProcessHandle.current().pid());
        NativeCalls.close(NativeCalls.pidfdGetfd(pidfd, pair[0].fdNumber()));
        NativeCalls.close(pidfd);
        pair[0].peerPid();
        byte[] req = CriuRpc.criu_req
                .newBuilder()
                .setType(CriuRpc.criu_req_type.DUMP)
                .setOpts(CriuRpc.criu_opts.newBuilder().setImagesDirFd(-1).setLeaveRunning(true))
                .build()
                .toByteArray();
        byte[] resp = CriuRpc.criu_resp
                .newBuilder()
                .setType(CriuRpc.criu_req_type.NOTIFY)
                .setSuccess(true)
                .setNotify(CriuRpc.criu_notify.newBuilder().setScript("pre-dump"))
                .build()
                .toByteArray();
        pair[0].send(new SeqpacketLink.Datagram(req, new FileDescriptor[0]));
        pair[1].receive();
        Path trueBinary = Path.of("/bin/true");
        if (Files.isExecutable(trueBinary)) {
            CriuProcess.spawn(
                            trueBinary.toString(),
                            java.util.List.of(),
                            pair[1].fdNumber(),
                            pair[1].fdNumber(),
                            java.util.Set.of())
                    .waitFor();
        }
        try (CaptureWriter w = CaptureWriter.create(dir, "train")) {
            w.event(CaptureEvent.Kind.META, Map.of("argv", java.util.List.of("swrk", "3")));
            w.message(Direction.TO_CRIU, req, 0);
            w.message(Direction.TO_RUNTIME, resp, 0);
            w.event(CaptureEvent.Kind.EXIT, Map.of("status", 0));
        }
        Transcript.of(Capture.read(dir.resolve("train" + CaptureFormat.SUFFIX))).render();
        new CaptureStore(dir).prune(1);
        pair[0].shutdownOutput();
        pair[0].close();
        pair[1].close();
        Files.deleteIfExists(dir.resolve("train" + CaptureFormat.SUFFIX));
        Files.deleteIfExists(dir);
    }
}
