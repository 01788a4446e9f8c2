package io.crifailover.image.cli;

import io.crifailover.image.CheckpointImage;
import io.crifailover.image.CheckpointImageBuilder;
import io.crifailover.image.CheckpointMetadata;
import io.crifailover.image.LayerCompression;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code image pack}: checkpoint archive to OCI layout or oci-archive. */
@Command(
        name = "pack",
        mixinStandardHelpOptions = true,
        description = "Pack a runtime checkpoint archive into an OCI checkpoint image; prints the digests as JSON.")
public final class PackCommand implements Callable<Integer> {

    /** Output forms. */
    public enum Format {
        layout,
        ociarchive
    }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ARCHIVE", description = "checkpoint archive (tar or tar.gz)")
    Path archive;

    @Option(
            names = {"-o", "--output"},
            required = true,
            description = "layout directory or oci-archive file")
    Path output;

    @Option(
            names = "--format",
            defaultValue = "layout",
            description = "layout or ociarchive (default ${DEFAULT-VALUE})")
    Format format;

    @Option(names = "--compression", defaultValue = "NONE", description = "NONE or GZIP (default ${DEFAULT-VALUE})")
    LayerCompression compression;

    @Option(names = "--gzip-level", defaultValue = "1", description = "deflate level 1-9 for GZIP")
    int gzipLevel;

    @Option(names = "--index", description = "also write an image index blob carrying the annotations")
    boolean index;

    @Option(names = "--tag", description = "tag in index.json (default <container>-<sequence>)")
    String tag;

    @Option(names = "--node", description = "source node name")
    String node;

    @Option(names = "--namespace", description = "pod namespace (default: from the archive)")
    String namespace;

    @Option(names = "--pod", description = "pod name (default: from the archive)")
    String pod;

    @Option(names = "--pod-uid", description = "pod UID (default: from the archive)")
    String podUid;

    @Option(names = "--container", description = "container name (default: from the archive)")
    String container;

    @Option(names = "--sequence", defaultValue = "0", description = "checkpoint sequence number")
    long sequence;

    @Option(names = "--time", description = "checkpoint time, ISO-8601 (default: from config.dump)")
    Instant time;

    @Option(names = "--criu-version", description = "CRIU version (default: from dump.log)")
    String criuVersion;

    @Option(names = "--cpu-flags-digest", description = "digest of the source node's CPU flags")
    String cpuFlagsDigest;

    @Option(names = "--arch", description = "OCI architecture of the source node (default: this machine)")
    String architecture;

    @Override
    public Integer call() throws Exception {
        CheckpointMetadata.Builder meta = CheckpointMetadata.builder()
                .sourceNode(node)
                .namespace(namespace)
                .pod(pod)
                .podUid(podUid)
                .container(container)
                .sequence(sequence)
                .checkpointTime(time)
                .criuVersion(criuVersion)
                .cpuFlagsDigest(cpuFlagsDigest);
        if (architecture != null) {
            meta.architecture(architecture);
        }
        CheckpointImageBuilder builder = CheckpointImageBuilder.defaults()
                .withCompression(compression)
                .withGzipLevel(gzipLevel)
                .withIndex(index)
                .withTag(tag);
        CheckpointImage image = format == Format.layout
                ? builder.buildLayout(archive, meta.build(), output)
                : builder.buildOciArchive(archive, meta.build(), output);
        PrintWriter out = spec.commandLine().getOut();
        out.println(CliJson.write(image));
        out.flush();
        return 0;
    }
}
