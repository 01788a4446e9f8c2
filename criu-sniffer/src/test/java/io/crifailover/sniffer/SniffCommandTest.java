package io.crifailover.sniffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SniffCommandTest {
    @TempDir
    Path tmp;

    private String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new SniffCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute(args);
        return rc + "\n" + out + err;
    }

    @Test
    void listAndShowPrintTheTranscriptWithPhases() throws Exception {
        Capture sample = TranscriptTest.dumpCapture();
        try (CaptureWriter w = CaptureWriter.create(tmp, sample.op())) {
            for (CaptureEvent e : sample.events()) {
                if (e.kind() == CaptureEvent.Kind.MSG) {
                    w.message(e.direction(), e.raw(), e.fdCount());
                }
            }
        }
        assertThat(run("list", "--dir", tmp.toString()))
                .startsWith("0\n")
                .contains(sample.op())
                .contains("DUMP")
                .contains("ok");
        String show = run("show", "--dir", tmp.toString(), "20260101");
        assertThat(show)
                .startsWith("0\n")
                .contains("notify pre-dump")
                .contains("pre-dump->network-lock")
                .contains("post-dump->reply");
        assertThat(run("show", "--dir", tmp.toString(), "--json", "20260101")).contains("\"script\":\"post-dump\"");
        assertThat(run("show", "--dir", tmp.toString(), "nope"))
                .startsWith("1\n")
                .contains("no capture 'nope'");
    }

    @Test
    void onAndOffToggleTheFlagFile() {
        Path flag = tmp.resolve("run/sniff.enabled");
        assertThat(run("status", "--flag", flag.toString())).contains("off");
        assertThat(run("on", "--flag", flag.toString())).startsWith("0\n");
        assertThat(Files.exists(flag)).isTrue();
        assertThat(run("status", "--flag", flag.toString())).contains("on");
        run("off", "--flag", flag.toString());
        assertThat(Files.exists(flag)).isFalse();
    }
}
