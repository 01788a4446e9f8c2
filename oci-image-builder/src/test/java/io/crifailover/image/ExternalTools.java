package io.crifailover.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a real external tool (skopeo, checkpointctl) with a time bound; kills it on timeout. */
final class ExternalTools {

    private ExternalTools() {}

    record Result(int exitCode, String output) {}

    static Result run(Path workDir, String... command) throws IOException, InterruptedException {
        Path log = Files.createTempFile(workDir, "tool-", ".log");
        Process p = new ProcessBuilder(List.of(command))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                throw new IOException(String.join(" ", command) + " did not finish in 120 s");
            }
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }
}
