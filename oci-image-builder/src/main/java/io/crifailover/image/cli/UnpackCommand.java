package io.crifailover.image.cli;

import io.crifailover.image.CheckpointImageExtractor;
import io.crifailover.image.ExtractedCheckpoint;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code image unpack}: checkpoint image back to a checkpoint archive. */
@Command(
        name = "unpack",
        mixinStandardHelpOptions = true,
        description = "Turn a checkpoint image (layout directory or oci-archive) back into a checkpoint archive.")
public final class UnpackCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "OCI layout directory or oci-archive file")
    Path image;

    @Option(
            names = {"-o", "--output"},
            required = true,
            description = "checkpoint archive to write")
    Path output;

    @Option(names = "--tag", description = "image tag in index.json (needed when there are several)")
    String tag;

    @Override
    public Integer call() throws Exception {
        ExtractedCheckpoint result = CheckpointImageExtractor.defaults().extract(image, tag, output);
        PrintWriter out = spec.commandLine().getOut();
        out.println(CliJson.write(java.util.Map.of(
                "archive", output.toString(),
                "manifest", result.image().manifestDescriptor().digest(),
                "checkpointName", String.valueOf(result.image().checkpointName()),
                "entries", result.summary().entries(),
                "contentBytes", result.summary().contentBytes())));
        out.flush();
        return 0;
    }
}
