package io.crifailover.image;

import io.crifailover.image.archive.ArchiveLimits;
import io.crifailover.image.archive.ArchiveSummary;
import io.crifailover.image.archive.CheckpointArchiveReader;
import io.crifailover.image.oci.LayerTarWriter;
import io.crifailover.image.oci.OciImageSource;
import io.crifailover.oci.Descriptor;
import io.crifailover.oci.Digest;
import io.crifailover.oci.MediaTypes;
import io.crifailover.oci.SecureFiles;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.List;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Turns a checkpoint image (layout directory or oci-archive) back into a checkpoint archive file
 * that a runtime accepts. The layer is streamed, validated with the same rules as an incoming
 * archive, and checked against its digest and diff ID; the output appears atomically or not at all.
 */
public final class CheckpointImageExtractor {

    private final ArchiveLimits limits;

    public CheckpointImageExtractor(ArchiveLimits limits) {
        this.limits = limits;
    }

    public static CheckpointImageExtractor defaults() {
        return new CheckpointImageExtractor(ArchiveLimits.defaults());
    }

    /** Extracts the image tagged {@code tag} (null: the only image) from {@code image} to {@code outArchive}. */
    public ExtractedCheckpoint extract(Path image, String tag, Path outArchive) throws IOException {
        try (OciImageSource source = OciImageSource.open(image)) {
            ResolvedCheckpointImage resolved = CheckpointImageResolver.resolve(source, tag);
            Path parent = outArchive.toAbsolutePath().getParent();
            SecureFiles.createPrivateDirectories(parent);
            Path temp = SecureFiles.createPrivateTempFile(parent, "." + outArchive.getFileName() + ".");
            try {
                ArchiveSummary summary = writeLayer(source, resolved, temp);
                SecureFiles.fsync(temp);
                SecureFiles.atomicMove(temp, outArchive);
                return new ExtractedCheckpoint(resolved, summary);
            } finally {
                Files.deleteIfExists(temp);
            }
        }
    }

    private ArchiveSummary writeLayer(OciImageSource source, ResolvedCheckpointImage resolved, Path temp)
            throws IOException {
        Descriptor layer = resolved.layer();
        MessageDigest blobDigest = Digest.newSha256();
        MessageDigest diffDigest = Digest.newSha256();
        ArchiveSummary summary;
        long blobSize;
        CountingInput counted = new CountingInput(new DigestInputStream(source.openBlob(layer.digest()), blobDigest));
        // Buffer above the digesting stream: decompressors mark/reset in it, every byte is digested once.
        try (InputStream blob = new BufferedInputStream(counted, 1 << 20);
                OutputStream out = new BufferedOutputStream(Files.newOutputStream(temp), 1 << 20);
                LayerTarWriter writer = new LayerTarWriter(out)) {
            InputStream plain =
                    MediaTypes.isGzipLayer(layer.mediaType()) ? new GzipCompressorInputStream(blob, false) : blob;
            InputStream diff = new DigestInputStream(plain, diffDigest);
            summary = new CheckpointArchiveReader(limits).read(diff, -1, writer);
            diff.transferTo(OutputStream.nullOutputStream());
            blob.transferTo(OutputStream.nullOutputStream());
            writer.finish();
            blobSize = counted.count;
        }
        Digest actual = Digest.fromBytes(blobDigest.digest());
        if (!actual.equals(layer.digest()) || blobSize != layer.size()) {
            throw new IOException("layer blob " + layer.digest() + " (" + layer.size() + " bytes) does not match its "
                    + "content: " + actual + " (" + blobSize + " bytes)");
        }
        List<Digest> diffIds = resolved.config().rootfs() == null
                ? List.of()
                : resolved.config().rootfs().diffIds();
        Digest diffId = Digest.fromBytes(diffDigest.digest());
        if (diffIds.size() != 1 || !diffIds.get(0).equals(diffId)) {
            throw new IOException("layer diff ID " + diffId + " does not match the config's diff_ids " + diffIds);
        }
        return summary;
    }

    /** Counts bytes read (the blob size as stored). */
    private static final class CountingInput extends java.io.FilterInputStream {
        private long count;

        CountingInput(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        /** Skips by reading so that skipped bytes are digested too. */
        @Override
        public long skip(long n) throws IOException {
            byte[] discard = new byte[(int) Math.max(0, Math.min(n, 8192))];
            int r = read(discard, 0, discard.length);
            return Math.max(r, 0);
        }
    }
}
