package io.crifailover.image;

import io.crifailover.image.archive.ArchiveLimits;
import io.crifailover.image.archive.ArchiveSummary;
import io.crifailover.image.archive.CheckpointArchiveReader;
import io.crifailover.image.archive.LayerFitness;
import io.crifailover.image.meta.CheckpointArchiveInfo;
import io.crifailover.image.meta.CheckpointInfoParser;
import io.crifailover.image.meta.MetadataCollector;
import io.crifailover.image.oci.BlobSink;
import io.crifailover.image.oci.DigestingOutputStream;
import io.crifailover.image.oci.LayerTarWriter;
import io.crifailover.image.oci.LevelGzipOutputStream;
import io.crifailover.image.oci.OciArchiveWriter;
import io.crifailover.image.oci.OciLayout;
import io.crifailover.oci.Descriptor;
import io.crifailover.oci.Digest;
import io.crifailover.oci.ImageConfig;
import io.crifailover.oci.ImageIndex;
import io.crifailover.oci.ImageManifest;
import io.crifailover.oci.MediaTypes;
import io.crifailover.oci.OciAnnotations;
import io.crifailover.oci.OciJson;
import io.crifailover.oci.Platform;
import io.crifailover.oci.SecureFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Packs a runtime checkpoint archive into an OCI checkpoint image that CRI-O and containerd restore
 * from: one layer with the archive's files at the image root, a config unique per checkpoint, and a
 * manifest (optionally wrapped in an index) carrying both runtimes' checkpoint annotations and the
 * {@code cri-failover.io/*} metadata. The archive is validated and streamed once; the result is
 * reproducible (same archive and metadata, same digests) and nothing is left behind on failure.
 *
 * <p>Instances are immutable and thread-safe; configure with the {@code with*} methods.
 */
public final class CheckpointImageBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointImageBuilder.class);

    private final LayerCompression compression;
    private final int gzipLevel;
    private final ArchiveLimits limits;
    private final boolean emitIndex;
    private final String tag;

    private CheckpointImageBuilder(
            LayerCompression compression, int gzipLevel, ArchiveLimits limits, boolean emitIndex, String tag) {
        this.compression = Objects.requireNonNull(compression);
        this.gzipLevel = gzipLevel;
        this.limits = Objects.requireNonNull(limits);
        this.emitIndex = emitIndex;
        this.tag = tag;
    }

    /** Uncompressed layer, default limits, no index blob, tag {@code <container>-<sequence>}. */
    public static CheckpointImageBuilder defaults() {
        return new CheckpointImageBuilder(
                LayerCompression.defaultCompression(), 1, ArchiveLimits.defaults(), false, null);
    }

    /** Packs {@code archive} into the layout directory {@code outLayout} with the default settings. */
    public static CheckpointImage build(Path archive, CheckpointMetadata meta, Path outLayout) throws IOException {
        return defaults().buildLayout(archive, meta, outLayout);
    }

    public CheckpointImageBuilder withCompression(LayerCompression value) {
        return new CheckpointImageBuilder(value, gzipLevel, limits, emitIndex, tag);
    }

    /** Deflate level 1..9 for {@link LayerCompression#GZIP}. */
    public CheckpointImageBuilder withGzipLevel(int level) {
        if (level < 1 || level > 9) {
            throw new IllegalArgumentException("gzip level must be 1..9, got " + level);
        }
        return new CheckpointImageBuilder(compression, level, limits, emitIndex, tag);
    }

    public CheckpointImageBuilder withLimits(ArchiveLimits value) {
        return new CheckpointImageBuilder(compression, gzipLevel, value, emitIndex, tag);
    }

    /** Also write an image index blob (carrying the annotations too) and point index.json at it. */
    public CheckpointImageBuilder withIndex(boolean value) {
        return new CheckpointImageBuilder(compression, gzipLevel, limits, value, tag);
    }

    /** Tag recorded as {@code org.opencontainers.image.ref.name} in the layout's index.json. */
    public CheckpointImageBuilder withTag(String value) {
        if (value != null && !ImageTags.isValid(value)) {
            throw new IllegalArgumentException("invalid tag '" + value + "'");
        }
        return new CheckpointImageBuilder(compression, gzipLevel, limits, emitIndex, value);
    }

    /**
     * Packs {@code archive} into the OCI layout directory {@code outLayout}. A missing or empty directory
     * is created atomically (built aside, then renamed); an existing layout gets the new blobs and an
     * updated index.json (an entry with the same tag is replaced).
     */
    public CheckpointImage buildLayout(Path archive, CheckpointMetadata meta, Path outLayout) throws IOException {
        Objects.requireNonNull(meta, "meta");
        if (OciLayout.isLayout(outLayout)) {
            return buildInto(OciLayout.open(outLayout), archive, meta);
        }
        if (Files.exists(outLayout) && !isEmptyDirectory(outLayout)) {
            throw new IOException(outLayout + " exists and is not an OCI layout");
        }
        return intoNewLayout(outLayout, layout -> buildInto(layout, archive, meta));
    }

    /**
     * Validates {@code archive} and hashes its bytes in one read, collecting its metadata; says whether the bytes
     * can be the image's layer unchanged (plain tar of files and directories, and this builder writes
     * uncompressed layers).
     */
    public ScannedArchive scan(Path archive) throws IOException {
        return scan(archive, OutputStream.nullOutputStream());
    }

    /**
     * Like {@link #scan(Path)}, also handing every byte of the archive, in order, to {@code tee} during the same
     * read (e.g. to cut it into chunks for replication); {@code tee} is not closed.
     */
    public ScannedArchive scan(Path archive, OutputStream tee) throws IOException {
        MetadataCollector collector = new MetadataCollector(limits.maxMetadataSize());
        LayerFitness fitness = new LayerFitness();
        MessageDigest sha256 = Digest.newSha256();
        long size = Files.size(archive);
        ArchiveSummary summary;
        try (InputStream in = new DigestInputStream(new TeeInputStream(Files.newInputStream(archive), tee), sha256)) {
            summary = new CheckpointArchiveReader(limits).read(in, size, collector.teeTo(fitness));
            in.transferTo(OutputStream.nullOutputStream());
        }
        String reason = compression != LayerCompression.NONE
                ? "layers are " + compression.name().toLowerCase(java.util.Locale.ROOT)
                : summary.compressed() ? "the archive is compressed" : fitness.reason();
        return new ScannedArchive(
                archive,
                Digest.fromBytes(sha256.digest()),
                size,
                summary,
                CheckpointInfoParser.parse(collector),
                reason);
    }

    /**
     * Packs a scanned archive into the new layout directory {@code outLayout}. When the archive can be the layer
     * as it is, its file is moved into the layout as the layer blob (no second read, no rewrite: the archive
     * file is gone afterwards); otherwise the layer is written from it as {@link #buildLayout} does.
     */
    public CheckpointImage buildLayout(ScannedArchive scanned, CheckpointMetadata meta, Path outLayout)
            throws IOException {
        Objects.requireNonNull(meta, "meta");
        if (!scanned.usableAsLayer()) {
            LOG.debug("{}: writing a new layer: {}", scanned.archive(), scanned.notLayerReason());
            return buildLayout(scanned.archive(), meta, outLayout);
        }
        return intoNewLayout(outLayout, layout -> {
            List<BlobSink.Committed> created = new ArrayList<>();
            try {
                BlobSink.Committed layer = layout.adoptBlob(scanned.archive(), scanned.digest(), scanned.size());
                created.add(layer);
                return finish(layout, meta, scanned.info(), scanned.summary(), layer, layer.digest(), created);
            } catch (IOException | RuntimeException | Error e) {
                deleteCreated(created, e);
                throw e;
            }
        });
    }

    /** Copies what is read to a second stream; skips by reading, so the copy misses nothing. */
    private static final class TeeInputStream extends java.io.FilterInputStream {
        private final OutputStream copy;

        TeeInputStream(InputStream in, OutputStream copy) {
            super(in);
            this.copy = copy;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                copy.write(b);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                copy.write(b, off, n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] discard = new byte[(int) Math.min(n, 64 * 1024)];
            long skipped = 0;
            while (skipped < n) {
                int r = read(discard, 0, (int) Math.min(discard.length, n - skipped));
                if (r < 0) {
                    break;
                }
                skipped += r;
            }
            return skipped;
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }

    private interface LayoutWork {
        CheckpointImage into(OciLayout layout) throws IOException;
    }

    private CheckpointImage intoNewLayout(Path outLayout, LayoutWork work) throws IOException {
        Path parent = outLayout.toAbsolutePath().getParent();
        SecureFiles.createPrivateDirectories(parent);
        Path staging = SecureFiles.createPrivateTempDirectory(parent, "." + outLayout.getFileName() + ".staging-");
        try {
            CheckpointImage image = work.into(OciLayout.openOrCreate(staging));
            SecureFiles.atomicMove(staging, outLayout);
            return image;
        } catch (IOException | RuntimeException | Error e) {
            SecureFiles.deleteQuietly(staging, e);
            throw e;
        }
    }

    /** Packs {@code archive} into an {@code oci-archive} tar at {@code outTar} (replaced atomically). */
    public CheckpointImage buildOciArchive(Path archive, CheckpointMetadata meta, Path outTar) throws IOException {
        Objects.requireNonNull(meta, "meta");
        Path parent = outTar.toAbsolutePath().getParent();
        SecureFiles.createPrivateDirectories(parent);
        Path staging = SecureFiles.createPrivateTempDirectory(parent, "." + outTar.getFileName() + ".staging-");
        try {
            CheckpointImage image = buildInto(OciLayout.createScratch(staging), archive, meta);
            OciArchiveWriter.write(staging, outTar);
            return image;
        } finally {
            SecureFiles.deleteRecursively(staging);
        }
    }

    private CheckpointImage buildInto(OciLayout layout, Path archive, CheckpointMetadata meta) throws IOException {
        List<BlobSink.Committed> created = new ArrayList<>();
        try {
            return write(layout, archive, meta, created);
        } catch (IOException | RuntimeException | Error e) {
            deleteCreated(created, e);
            throw e;
        }
    }

    private static void deleteCreated(List<BlobSink.Committed> created, Throwable cause) {
        for (BlobSink.Committed blob : created) {
            if (blob.created()) {
                SecureFiles.deleteQuietly(blob.path(), cause);
            }
        }
    }

    private CheckpointImage write(
            OciLayout layout, Path archive, CheckpointMetadata meta, List<BlobSink.Committed> created)
            throws IOException {
        MetadataCollector collector = new MetadataCollector(limits.maxMetadataSize());
        ArchiveSummary summary;
        CheckpointArchiveInfo info;
        BlobSink.Committed layer;
        Digest diffId;
        try (BlobSink sink = layout.newBlob()) {
            OutputStream blobOut = sink.stream();
            LevelGzipOutputStream gzip =
                    compression == LayerCompression.GZIP ? new LevelGzipOutputStream(blobOut, gzipLevel) : null;
            DigestingOutputStream plain = gzip != null ? new DigestingOutputStream(gzip) : null;
            LayerTarWriter tar = new LayerTarWriter(plain != null ? plain : blobOut);
            summary = new CheckpointArchiveReader(limits).read(archive, collector.teeTo(tar));
            info = CheckpointInfoParser.parse(collector);
            tar.finish();
            if (gzip != null) {
                gzip.finish();
            }
            layer = sink.commit();
            created.add(layer);
            diffId = plain != null ? plain.digest() : layer.digest();
            if (tar.skippedLinks() > 0) {
                LOG.warn("{}: {} link entries left out of the layer", archive, tar.skippedLinks());
            }
        }
        return finish(layout, meta, info, summary, layer, diffId, created);
    }

    private CheckpointImage finish(
            OciLayout layout,
            CheckpointMetadata meta,
            CheckpointArchiveInfo info,
            ArchiveSummary summary,
            BlobSink.Committed layer,
            Digest diffId,
            List<BlobSink.Committed> created)
            throws IOException {
        ImageFacts facts = ImageFacts.of(meta, info);
        SortedMap<String, String> annotations = facts.annotations();

        ImageConfig config = new ImageConfig(
                facts.created(),
                facts.architecture(),
                facts.os(),
                null,
                new ImageConfig.RuntimeConfig(facts.labels()),
                ImageConfig.RootFs.layers(List.of(diffId)),
                List.of(new ImageConfig.History(facts.created(), "cri-failover image pack", facts.description())));
        BlobSink.Committed configBlob = layout.writeBlob(OciJson.write(config));
        created.add(configBlob);

        Descriptor layerDescriptor = Descriptor.of(compression.mediaType(), layer.digest(), layer.size());
        Descriptor configDescriptor = Descriptor.of(MediaTypes.CONFIG, configBlob.digest(), configBlob.size());
        ImageManifest manifest = ImageManifest.of(configDescriptor, List.of(layerDescriptor), annotations);
        BlobSink.Committed manifestBlob = layout.writeBlob(OciJson.write(manifest));
        created.add(manifestBlob);
        Platform platform = new Platform(facts.architecture(), facts.os(), null);
        Descriptor manifestDescriptor = Descriptor.of(MediaTypes.MANIFEST, manifestBlob.digest(), manifestBlob.size())
                .withPlatform(platform);

        Descriptor target = manifestDescriptor;
        Digest indexDigest = null;
        if (emitIndex) {
            ImageIndex index = ImageIndex.of(List.of(manifestDescriptor), facts.indexAnnotations());
            BlobSink.Committed indexBlob = layout.writeBlob(OciJson.write(index));
            created.add(indexBlob);
            indexDigest = indexBlob.digest();
            target = Descriptor.of(MediaTypes.INDEX, indexBlob.digest(), indexBlob.size());
        }
        String effectiveTag = tag != null ? tag : ImageTags.defaultTag(facts.container(), meta.sequence());
        layout.writeIndex(withTag(layout.readIndex(), target, effectiveTag));
        LOG.info(
                "packed {} entries ({} bytes) into {} as {} manifest {}",
                summary.entries(),
                summary.contentBytes(),
                layout.root(),
                effectiveTag,
                manifestBlob.digest());
        return new CheckpointImage(
                manifestBlob.digest().toString(),
                manifestBlob.size(),
                configBlob.digest().toString(),
                layer.digest().toString(),
                diffId.toString(),
                layer.size(),
                compression.mediaType(),
                indexDigest == null ? null : indexDigest.toString(),
                effectiveTag,
                annotations,
                info,
                summary);
    }

    private static ImageIndex withTag(ImageIndex current, Descriptor target, String tag) {
        List<Descriptor> manifests = new ArrayList<>();
        for (Descriptor d : current.manifests()) {
            if (!tag.equals(d.annotation(OciAnnotations.REF_NAME))) {
                manifests.add(d);
            }
        }
        SortedMap<String, String> ref = new TreeMap<>();
        ref.put(OciAnnotations.REF_NAME, tag);
        manifests.add(target.withAnnotations(ref));
        return new ImageIndex(2, MediaTypes.INDEX, manifests, current.annotations());
    }

    private static boolean isEmptyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }
}
