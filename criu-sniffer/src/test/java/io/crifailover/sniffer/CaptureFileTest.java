package io.crifailover.sniffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaptureFileTest {
    @TempDir
    Path tmp;

    @Test
    void roundTripsEveryKindOfEvent() throws Exception {
        Path dir = tmp.resolve("captures");
        try (CaptureWriter w = CaptureWriter.create(dir, "op1")) {
            w.event(CaptureEvent.Kind.META, Map.of("argv", List.of("swrk", "3"), "pid", 12));
            w.message(Direction.TO_CRIU, Messages.dumpRequest(), 0);
            w.message(Direction.TO_RUNTIME, Messages.notify("pre-dump"), 2);
            w.event(CaptureEvent.Kind.EXIT, Map.of("status", 0));
        }
        Capture c = Capture.read(dir.resolve("op1.jsonl"));
        assertThat(c.tornTail()).isFalse();
        assertThat(c.op()).isEqualTo("op1");
        assertThat(c.events())
                .extracting(CaptureEvent::kind)
                .containsExactly(
                        CaptureEvent.Kind.META, CaptureEvent.Kind.MSG, CaptureEvent.Kind.MSG, CaptureEvent.Kind.EXIT);
        assertThat(c.events().get(1).raw()).isEqualTo(Messages.dumpRequest());
        assertThat(c.events().get(2).fdCount()).isEqualTo(2);
        assertThat(c.events().get(2).direction()).isEqualTo(Direction.TO_RUNTIME);
        assertThat(c.events()).extracting(CaptureEvent::seq).containsExactly(0L, 1L, 2L, 3L);
        assertThat(c.events().get(0).attrs()).containsEntry("pid", 12);
        assertThat(c.events().get(2).monoNanos())
                .isGreaterThanOrEqualTo(c.events().get(1).monoNanos());
    }

    @Test
    void notesWithQuotesAndNewlinesSurviveTheHandWrittenEncoder() throws Exception {
        try (CaptureWriter w = CaptureWriter.create(tmp, "op1")) {
            w.event(CaptureEvent.Kind.NOTE, Map.of("text", "a \"quoted\"\nline\\ \u0001", "numbers", List.of(3, 7)));
        }
        CaptureEvent e = Capture.read(tmp.resolve("op1.jsonl")).events().get(0);
        assertThat(e.attrs())
                .containsEntry("text", "a \"quoted\"\nline\\ \u0001")
                .containsEntry("numbers", List.of(3, 7));
    }

    @Test
    void filesAre0600InA0700Directory() throws Exception {
        Path dir = tmp.resolve("captures");
        try (CaptureWriter w = CaptureWriter.create(dir, "op1")) {
            w.message(Direction.TO_CRIU, new byte[] {8, 1}, 0);
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("op1.jsonl"))))
                .isEqualTo("rw-------");
    }

    @Test
    void aTornTailLeavesTheReadablePrefix() throws Exception {
        try (CaptureWriter w = CaptureWriter.create(tmp, "op1")) {
            w.message(Direction.TO_CRIU, Messages.dumpRequest(), 0);
            w.message(Direction.TO_RUNTIME, Messages.notify("pre-dump"), 0);
        }
        Path f = tmp.resolve("op1.jsonl");
        Files.writeString(
                f,
                "{\"v\":1,\"op\":\"op1\",\"seq\":2,\"kind\":\"msg\",\"mono_",
                StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        Capture c = Capture.read(f);
        assertThat(c.tornTail()).isTrue();
        assertThat(c.events()).hasSize(2);
    }

    @Test
    void refusesToOverwriteOrUseABadId() throws Exception {
        CaptureWriter.create(tmp, "op1").close();
        assertThatThrownBy(() -> CaptureWriter.create(tmp, "op1"))
                .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
        assertThatThrownBy(() -> CaptureWriter.create(tmp, "../x")).hasMessageContaining("invalid operation id");
    }

    @Test
    void badLinesAreNamed() {
        assertThatThrownBy(() -> CaptureFormat.decode("{\"v\":2}"))
                .hasMessageContaining("unsupported capture format version 2");
        assertThatThrownBy(() -> CaptureFormat.decode("nope")).hasMessageContaining("not JSON");
        assertThatThrownBy(
                        () -> CaptureFormat.decode("{\"v\":1,\"kind\":\"msg\",\"op\":\"x\",\"seq\":1,\"mono_ns\":1}"))
                .hasMessageContaining("needs a direction");
        assertThatThrownBy(() -> CaptureFormat.decode("{\"v\":1,\"kind\":\"bogus\"}"))
                .hasMessageContaining("unknown capture event kind 'bogus'");
    }

    @Test
    void storeResolvesPrefixesAndPrunesOldest() throws Exception {
        for (String op :
                List.of("20260101T000001.000000Z-1", "20260101T000002.000000Z-2", "20260101T000003.000000Z-3")) {
            CaptureWriter.create(tmp, op).close();
        }
        CaptureStore store = new CaptureStore(tmp);
        assertThat(store.resolve("20260101T000002").getFileName().toString())
                .isEqualTo("20260101T000002.000000Z-2.jsonl");
        assertThatThrownBy(() -> store.resolve("2026")).hasMessageContaining("ambiguous");
        assertThatThrownBy(() -> store.resolve("nothing")).hasMessageContaining("no capture 'nothing'");
        store.prune(2);
        assertThat(store.files())
                .extracting(p -> p.getFileName().toString())
                .containsExactly("20260101T000002.000000Z-2.jsonl", "20260101T000003.000000Z-3.jsonl");
    }
}
