package io.crifailover.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.crifailover.image.cli.ImageCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ImageCommandTest {

    @TempDir
    Path dir;

    @Test
    void packInspectUnpack() throws Exception {
        Path archive = TestArchives.write(dir.resolve("in.tar"), TestArchives.containerdEntries(4096, 1));
        Run pack = run(
                "pack",
                archive.toString(),
                "-o",
                dir.resolve("img.tar").toString(),
                "--format",
                "ociarchive",
                "--node",
                "n1",
                "--sequence",
                "3",
                "--time",
                "2026-01-01T00:00:00Z");
        assertThat(pack.code).as(pack.err).isZero();
        assertThat(pack.out).contains("\"manifestDigest\" : \"sha256:").contains("\"tag\" : \"counter-3\"");

        Run inspectImage = run("inspect", dir.resolve("img.tar").toString());
        assertThat(inspectImage.code).as(inspectImage.err).isZero();
        assertThat(inspectImage.out).contains("\"kind\" : \"image\"").contains("cri-failover.io/source-node");

        Run inspectArchive = run("inspect", archive.toString());
        assertThat(inspectArchive.code).as(inspectArchive.err).isZero();
        assertThat(inspectArchive.out).contains("\"flavour\" : \"CONTAINERD\"").contains("\"pagesWritten\" : 34");

        Run unpack = run(
                "unpack",
                dir.resolve("img.tar").toString(),
                "-o",
                dir.resolve("back.tar").toString());
        assertThat(unpack.code).as(unpack.err).isZero();
        assertThat(Files.size(dir.resolve("back.tar"))).isPositive();
    }

    @Test
    void badArchiveGivesANonZeroExitAndNamesTheRule() throws Exception {
        Path empty = Files.createFile(dir.resolve("empty.tar"));
        Run pack = run("pack", empty.toString(), "-o", dir.resolve("out").toString());
        assertThat(pack.code).isNotZero();
        assertThat(pack.err).contains("EMPTY_ARCHIVE");
        assertThat(dir.resolve("out")).doesNotExist();
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ImageCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println(e.getMessage());
            commandLine.getErr().flush();
            return 2;
        });
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private record Run(int code, String out, String err) {}
}
