package io.crifailover.sniffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DebugServerTest {
    @TempDir
    Path tmp;

    @Test
    void servesHistoryThenTheLiveStreamAsDecodedJsonLines() throws Exception {
        Path captures = tmp.resolve("captures");
        try (CaptureWriter w = CaptureWriter.create(captures, "20260101T000000.000000Z-1")) {
            w.message(Direction.TO_CRIU, Messages.dumpRequest(), 0);
            w.message(Direction.TO_RUNTIME, Messages.notify("pre-dump"), 0);
        }
        DebugServer.Options opts = new DebugServer.Options(100, Duration.ofMillis(20), "rw-------");
        List<String> lines = new CopyOnWriteArrayList<>();
        try (DebugServer server =
                DebugServer.start(tmp.resolve("sock/sniffer.sock"), new CaptureStore(captures), opts)) {
            Thread reader = new Thread(() -> {
                try {
                    DebugClient.stream(server.socketPath(), l -> lines.add(l));
                } catch (java.io.IOException ignored) {
                    // server closed
                }
            });
            reader.setDaemon(true);
            reader.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> lines.contains(DebugServer.LIVE_MARKER));
            assertThat(lines.get(0)).contains("\"type\":\"DUMP\"").contains("\"images_dir_fd\":6");
            assertThat(lines.get(1)).contains("\"script\":\"pre-dump\"");
            assertThat(lines).hasSize(3);

            try (CaptureWriter w = CaptureWriter.create(captures, "20260101T000001.000000Z-2")) {
                w.message(Direction.TO_RUNTIME, Messages.failedReply(2, "broken image"), 0);
                w.event(CaptureEvent.Kind.EXIT, Map.of("status", 1));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> lines.size() == 5);
            assertThat(lines.get(3))
                    .contains("\"cr_errno\":2")
                    .contains("\"cr_errmsg\":\"broken image\"")
                    .contains("\"success\":false");
            assertThat(lines.get(4)).contains("\"kind\":\"exit\"").contains("\"status\":1");
        }
    }
}
