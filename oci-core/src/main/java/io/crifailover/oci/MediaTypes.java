package io.crifailover.oci;

/**
 * The OCI media types cri-failover writes, and the Docker equivalents it accepts when reading images
 * a registry or another tool converted.
 */
public final class MediaTypes {

    public static final String INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
    public static final String LAYER_TAR_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";

    public static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";

    private MediaTypes() {}

    /** An image index (OCI) or manifest list (Docker). */
    public static boolean isIndex(String mediaType) {
        return INDEX.equals(mediaType) || DOCKER_MANIFEST_LIST.equals(mediaType);
    }

    /** An image manifest (OCI or Docker schema 2). */
    public static boolean isManifest(String mediaType) {
        return MANIFEST.equals(mediaType) || DOCKER_MANIFEST.equals(mediaType);
    }

    public static boolean isGzipLayer(String mediaType) {
        return LAYER_TAR_GZIP.equals(mediaType) || DOCKER_LAYER_GZIP.equals(mediaType);
    }

    public static boolean isLayer(String mediaType) {
        return LAYER_TAR.equals(mediaType) || isGzipLayer(mediaType);
    }
}
