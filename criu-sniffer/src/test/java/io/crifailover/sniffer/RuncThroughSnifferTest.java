package io.crifailover.sniffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real runc + CRIU with the stand-in first on runc's PATH and sniffing on. */
@Tag("integration")
class RuncThroughSnifferTest {
    @TempDir
    Path tmp;

    private StandIn standIn;
    private BusyboxBundle bundle;
    private Runc runc;
    private DebugServer debug;
    private final List<String> streamed = new CopyOnWriteArrayList<>();
    private final String id = "snf-" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void setUp() throws Exception {
        standIn = StandIn.install(tmp.resolve("standin"), "/usr/sbin/criu");
        standIn.sniffSwitch().on();
        bundle = BusyboxBundle.create(tmp.resolve("bundle"));
        runc = new Runc(tmp, standIn.env());
        debug = DebugServer.start(
                tmp.resolve("debug/sniffer.sock"),
                new CaptureStore(standIn.captures()),
                new DebugServer.Options(2000, Duration.ofMillis(50), "rw-------"));
        Thread reader = new Thread(
                () -> {
                    try {
                        DebugClient.stream(debug.socketPath(), streamed::add);
                    } catch (java.io.IOException ignored) {
                        // server closed at the end of the test
                    }
                },
                "debug-reader");
        reader.setDaemon(true);
        reader.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            runc.close();
        } finally {
            debug.close();
        }
    }

    private void startCounter() throws Exception {
        runc.ok("run", "--detach", "--bundle", bundle.dir().toString(), id);
        await().atMost(Duration.ofSeconds(20)).until(() -> bundle.count() >= 3);
    }

    private List<Transcript> transcripts() throws Exception {
        List<Transcript> out = new ArrayList<>();
        for (Path f : new CaptureStore(standIn.captures()).files()) {
            out.add(Transcript.of(Capture.read(f)));
        }
        return out;
    }

    @Test
    void checkpointAndRestoreGoThroughTheSnifferAndAreTranscribed() throws Exception {
        startCounter();
        Path images = tmp.resolve("images");
        Path work = tmp.resolve("work");
        runc.ok("checkpoint", "--image-path", images.toString(), "--work-path", work.toString(), id);
        long atCheckpoint = bundle.count();

        List<Transcript> afterDump = transcripts();
        assertThat(afterDump).extracting(Transcript::requestType).containsExactly("VERSION", "DUMP");
        assertThat(afterDump.get(0).outline()).containsExactly("request VERSION", "reply VERSION");
        assertThat(afterDump.get(1).outline())
                .containsSubsequence(
                        "request DUMP", "notify pre-dump", "notify network-lock", "notify post-dump", "reply DUMP");
        assertThat(afterDump.get(1).reply())
                .get()
                .extracting(n -> n.get("success").asBoolean())
                .isEqualTo(true);

        runc.ok(
                "restore",
                "--detach",
                "--image-path",
                images.toString(),
                "--work-path",
                work.toString(),
                "--bundle",
                bundle.dir().toString(),
                id);
        await().atMost(Duration.ofSeconds(20)).until(() -> bundle.count() > atCheckpoint + 5);

        List<Transcript> all = transcripts();
        assertThat(all).extracting(Transcript::requestType).containsExactly("VERSION", "DUMP", "VERSION", "RESTORE");
        Transcript restore = all.get(3);
        assertThat(restore.outline())
                .containsSubsequence(
                        "request RESTORE",
                        "notify setup-namespaces",
                        "notify post-restore",
                        "notify network-unlock",
                        "notify post-resume",
                        "reply RESTORE");
        JsonNode reply = restore.reply().orElseThrow();
        assertThat(reply.get("success").asBoolean()).isTrue();
        int restoredPid = reply.get("restored_pid").asInt();
        assertThat(restoredPid).isPositive();
        assertThat(runc.ok("state", id).output())
                .contains("\"pid\": " + restoredPid)
                .contains("running");
        assertThat(restore.phaseNanos()).containsKey("post-restore->network-unlock");

        await().atMost(Duration.ofSeconds(10))
                .until(() -> streamed.stream().anyMatch(l -> l.contains("\"restored_pid\":" + restoredPid)));

        runc.ok("kill", id, "KILL");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> runc.run("state", id).output().contains("stopped"));
        runc.ok("delete", id);
        for (Path f : new CaptureStore(standIn.captures()).files()) {
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
                    .isEqualTo("rw-------");
        }
    }

    @Test
    void withSniffingOffCheckpointWorksAndNothingIsRecorded() throws Exception {
        standIn.sniffSwitch().off();
        startCounter();
        runc.ok(
                "checkpoint",
                "--image-path",
                tmp.resolve("images").toString(),
                "--work-path",
                tmp.resolve("work").toString(),
                id);
        assertThat(new CaptureStore(standIn.captures()).files()).isEmpty();
    }

    @Test
    void aBrokenRestoreShowsCriusErrorInTheTranscriptAndOnTheDebugSocket() throws Exception {
        startCounter();
        Path images = tmp.resolve("images");
        Path work = tmp.resolve("work");
        runc.ok("checkpoint", "--image-path", images.toString(), "--work-path", work.toString(), id);
        Files.delete(images.resolve("inventory.img"));

        Runc.Result r = runc.run(
                "restore",
                "--detach",
                "--image-path",
                images.toString(),
                "--work-path",
                work.toString(),
                "--bundle",
                bundle.dir().toString(),
                id);
        assertThat(r.exitCode()).isNotZero();

        Transcript restore = transcripts().stream()
                .filter(t -> t.requestType().equals("RESTORE"))
                .findFirst()
                .orElseThrow();
        JsonNode reply = restore.reply().orElseThrow();
        assertThat(reply.get("success").asBoolean()).isFalse();
        assertThat(reply.has("cr_errno")).isTrue();
        assertThat(reply.get("cr_errmsg").asText()).isNotBlank();
        assertThat(restore.summaryLine()).contains("FAILED errno=");

        String errmsgJson =
                Json.MAPPER.writeValueAsString(reply.get("cr_errmsg").asText());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> streamed.stream()
                        .anyMatch(l -> l.contains("\"success\":false")
                                && l.contains("\"cr_errno\":")
                                && l.contains("\"cr_errmsg\":" + errmsgJson)));
    }
}
