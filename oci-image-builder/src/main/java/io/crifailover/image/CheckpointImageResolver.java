package io.crifailover.image;

import io.crifailover.image.oci.OciImageSource;
import io.crifailover.oci.Descriptor;
import io.crifailover.oci.Digest;
import io.crifailover.oci.ImageConfig;
import io.crifailover.oci.ImageIndex;
import io.crifailover.oci.ImageManifest;
import io.crifailover.oci.MediaTypes;
import io.crifailover.oci.OciAnnotations;
import io.crifailover.oci.OciJson;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the checkpoint image in an {@link OciImageSource}: picks the index.json entry (by tag, or
 * the only one), follows a nested index to the manifest for this platform, and checks that the
 * manifest is a checkpoint image with exactly one layer.
 */
public final class CheckpointImageResolver {

    private static final int MAX_NESTING = 4;

    private CheckpointImageResolver() {}

    /** Resolves the image tagged {@code tag} (null: the only image of the source). */
    public static ResolvedCheckpointImage resolve(OciImageSource source, String tag) throws IOException {
        ImageIndex index = source.index();
        Descriptor chosen = pickByTag(index.manifests(), tag);
        Descriptor manifestDescriptor = followIndexes(source, chosen);
        ImageManifest manifest = OciJson.read(
                source.readDocument(manifestDescriptor),
                ImageManifest.class,
                "manifest " + manifestDescriptor.digest());
        if (manifest.annotation(CheckpointAnnotations.CRIO_CHECKPOINT_NAME) == null
                && manifest.annotation(CheckpointAnnotations.CRIU_CHECKPOINT_NAME) == null) {
            throw new IOException("manifest " + manifestDescriptor.digest() + " is not a checkpoint image (neither "
                    + CheckpointAnnotations.CRIO_CHECKPOINT_NAME + " nor " + CheckpointAnnotations.CRIU_CHECKPOINT_NAME
                    + " annotation)");
        }
        if (manifest.layers().size() != 1
                || !MediaTypes.isLayer(manifest.layers().get(0).mediaType())) {
            throw new IOException(
                    "manifest " + manifestDescriptor.digest() + " must have exactly one tar or tar+gzip layer, has "
                            + manifest.layers().size());
        }
        ImageConfig config = OciJson.read(
                source.readDocument(manifest.config()),
                ImageConfig.class,
                "config " + manifest.config().digest());
        return new ResolvedCheckpointImage(
                chosen.annotation(OciAnnotations.REF_NAME), manifestDescriptor, manifest, config);
    }

    private static Descriptor pickByTag(List<Descriptor> manifests, String tag) throws IOException {
        if (manifests.isEmpty()) {
            throw new IOException("the image has no entries in index.json");
        }
        List<String> tags = new ArrayList<>();
        for (Descriptor d : manifests) {
            String ref = d.annotation(OciAnnotations.REF_NAME);
            tags.add(ref);
            if (tag != null && tag.equals(ref)) {
                return d;
            }
        }
        if (tag != null) {
            throw new IOException("no image tagged '" + tag + "'; tags present: " + tags);
        }
        if (manifests.size() > 1) {
            throw new IOException(manifests.size() + " images present, choose one by tag: " + tags);
        }
        return manifests.get(0);
    }

    private static Descriptor followIndexes(OciImageSource source, Descriptor descriptor) throws IOException {
        Descriptor current = descriptor;
        for (int depth = 0; MediaTypes.isIndex(current.mediaType()); depth++) {
            if (depth >= MAX_NESTING) {
                throw new IOException("image indexes nested deeper than " + MAX_NESTING);
            }
            ImageIndex nested =
                    OciJson.read(source.readDocument(current), ImageIndex.class, "index " + current.digest());
            current = pickPlatform(nested.manifests(), current.digest());
        }
        if (!MediaTypes.MANIFEST.equals(current.mediaType())) {
            throw new IOException("descriptor " + current.digest() + " has media type " + current.mediaType()
                    + ", expected " + MediaTypes.MANIFEST);
        }
        return current;
    }

    private static Descriptor pickPlatform(List<Descriptor> manifests, Digest indexDigest) throws IOException {
        if (manifests.size() == 1) {
            return manifests.get(0);
        }
        String arch = CheckpointMetadata.localArchitecture();
        for (Descriptor d : manifests) {
            if (d.platform() != null
                    && arch.equals(d.platform().architecture())
                    && "linux".equals(d.platform().os())) {
                return d;
            }
        }
        throw new IOException("index " + indexDigest + " has no manifest for linux/" + arch);
    }
}
