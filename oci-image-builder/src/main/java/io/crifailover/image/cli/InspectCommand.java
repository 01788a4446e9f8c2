package io.crifailover.image.cli;

import io.crifailover.image.CheckpointImageResolver;
import io.crifailover.image.ResolvedCheckpointImage;
import io.crifailover.image.archive.ArchiveLimits;
import io.crifailover.image.archive.ArchiveSummary;
import io.crifailover.image.archive.CheckpointArchiveReader;
import io.crifailover.image.meta.CheckpointArchiveInfo;
import io.crifailover.image.meta.CheckpointInfoParser;
import io.crifailover.image.meta.MetadataCollector;
import io.crifailover.image.oci.OciImageSource;
import io.crifailover.image.oci.OciLayout;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code image inspect}: validate and describe a checkpoint archive or a checkpoint image. */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = "Validate and describe a checkpoint archive, OCI layout or oci-archive (JSON on stdout).")
public final class InspectCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PATH", description = "checkpoint archive, layout directory or oci-archive")
    Path path;

    @Option(names = "--tag", description = "image tag when PATH is an image with several")
    String tag;

    @Override
    public Integer call() throws Exception {
        Object report = isImage(path) ? inspectImage() : inspectArchive();
        PrintWriter out = spec.commandLine().getOut();
        out.println(CliJson.write(report));
        out.flush();
        return 0;
    }

    private Map<String, Object> inspectArchive() throws IOException {
        ArchiveLimits limits = ArchiveLimits.defaults();
        MetadataCollector collector = new MetadataCollector(limits.maxMetadataSize());
        ArchiveSummary summary = new CheckpointArchiveReader(limits).read(path, collector.alone());
        CheckpointArchiveInfo info = CheckpointInfoParser.parse(collector);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("kind", "archive");
        report.put("summary", summary);
        report.put("info", info);
        return report;
    }

    private Map<String, Object> inspectImage() throws IOException {
        try (OciImageSource source = OciImageSource.open(path)) {
            ResolvedCheckpointImage image = CheckpointImageResolver.resolve(source, tag);
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("kind", "image");
            report.put("tag", image.tag());
            report.put("manifest", image.manifestDescriptor());
            report.put("layer", image.layer());
            report.put("annotations", image.manifest().annotations());
            report.put("platform", image.config().os() + "/" + image.config().architecture());
            return report;
        }
    }

    private static boolean isImage(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            return OciLayout.isLayout(path);
        }
        try (OciImageSource ignored = OciImageSource.open(path)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
