package io.crifailover.image;

import io.crifailover.oci.Descriptor;
import io.crifailover.oci.ImageConfig;
import io.crifailover.oci.ImageManifest;

/**
 * A checkpoint image found in a layout or oci-archive.
 *
 * @param tag                the tag it was found under, or null
 * @param manifestDescriptor descriptor of the manifest
 * @param manifest           the manifest
 * @param config             the image config
 */
public record ResolvedCheckpointImage(
        String tag, Descriptor manifestDescriptor, ImageManifest manifest, ImageConfig config) {

    /** The single checkpoint layer. */
    public Descriptor layer() {
        return manifest.layers().get(0);
    }

    /** The container name the runtimes will see, from either runtime's annotation. */
    public String checkpointName() {
        String crio = manifest.annotation(CheckpointAnnotations.CRIO_CHECKPOINT_NAME);
        return crio != null ? crio : manifest.annotation(CheckpointAnnotations.CRIU_CHECKPOINT_NAME);
    }
}
