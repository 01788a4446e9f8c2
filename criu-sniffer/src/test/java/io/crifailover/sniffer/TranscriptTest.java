package io.crifailover.sniffer;

import static org.assertj.core.api.Assertions.assertThat;

import io.crifailover.protos.criu.CriuRpc;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TranscriptTest {

    static Capture dumpCapture() {
        String op = "20260101T000000.000000Z-1";
        long ms = 1_000_000L;
        List<CaptureEvent> events = List.of(
                new CaptureEvent(op, 0, CaptureEvent.Kind.META, 0, null, 0, null, Map.of("argv", List.of("swrk", "3"))),
                new CaptureEvent(
                        op, 1, CaptureEvent.Kind.MSG, 10 * ms, Direction.TO_CRIU, 0, Messages.dumpRequest(), null),
                new CaptureEvent(
                        op,
                        2,
                        CaptureEvent.Kind.MSG,
                        30 * ms,
                        Direction.TO_RUNTIME,
                        0,
                        Messages.notify("pre-dump"),
                        null),
                new CaptureEvent(
                        op, 3, CaptureEvent.Kind.MSG, 31 * ms, Direction.TO_CRIU, 0, Messages.notifyAck(), null),
                new CaptureEvent(
                        op,
                        4,
                        CaptureEvent.Kind.MSG,
                        80 * ms,
                        Direction.TO_RUNTIME,
                        0,
                        Messages.notify("network-lock"),
                        null),
                new CaptureEvent(
                        op,
                        5,
                        CaptureEvent.Kind.MSG,
                        200 * ms,
                        Direction.TO_RUNTIME,
                        0,
                        Messages.notify("post-dump"),
                        null),
                new CaptureEvent(
                        op,
                        6,
                        CaptureEvent.Kind.MSG,
                        205 * ms,
                        Direction.TO_RUNTIME,
                        0,
                        Messages.reply(CriuRpc.criu_req_type.DUMP, true),
                        null),
                new CaptureEvent(op, 7, CaptureEvent.Kind.EXIT, 206 * ms, null, 0, null, Map.of("status", 0)));
        return new Capture(Path.of(op + ".jsonl"), events, false);
    }

    @Test
    void outlinesTheOperationAndMeasuresPhases() {
        Transcript t = Transcript.of(dumpCapture());
        assertThat(t.requestType()).isEqualTo("DUMP");
        assertThat(t.outline())
                .containsExactly(
                        "request DUMP", "notify pre-dump", "notify network-lock", "notify post-dump", "reply DUMP");
        assertThat(t.notifications()).containsExactly("pre-dump", "network-lock", "post-dump");
        assertThat(t.phaseNanos())
                .containsExactly(
                        Map.entry("request->pre-dump", 20_000_000L),
                        Map.entry("pre-dump->network-lock", 50_000_000L),
                        Map.entry("network-lock->post-dump", 120_000_000L),
                        Map.entry("post-dump->reply", 5_000_000L));
        assertThat(t.totalNanos()).isEqualTo(206_000_000L);
        assertThat(t.reply())
                .get()
                .extracting(n -> n.get("success").asBoolean())
                .isEqualTo(true);
    }

    @Test
    void rendersForPeople() {
        String text = Transcript.of(dumpCapture()).render();
        assertThat(text)
                .contains("runtime->criu request DUMP images_dir_fd=6 work_dir_fd=7 pid=42")
                .contains("leave_running")
                .contains("criu->runtime notify pre-dump")
                .contains("pre-dump->network-lock")
                .contains("50.000 ms")
                .contains("criu exited with status 0");
        assertThat(Transcript.of(dumpCapture()).summaryLine())
                .contains("DUMP")
                .contains("206.0 ms")
                .endsWith("ok");
    }

    @Test
    void summaryShowsCriuErrorOfAFailedReply() {
        String op = "x";
        Capture c = new Capture(
                Path.of("x.jsonl"),
                List.of(
                        new CaptureEvent(
                                op,
                                0,
                                CaptureEvent.Kind.MSG,
                                0,
                                Direction.TO_CRIU,
                                0,
                                Messages.restoreRequest(6),
                                null),
                        new CaptureEvent(
                                op,
                                1,
                                CaptureEvent.Kind.MSG,
                                5,
                                Direction.TO_RUNTIME,
                                0,
                                Messages.failedReply(2, "No such file"),
                                null)),
                false);
        assertThat(Transcript.of(c).summaryLine()).contains("RESTORE").contains("FAILED errno=2 \"No such file\"");
    }
}
