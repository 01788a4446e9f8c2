package io.crifailover.oci;

/** Annotation keys the OCI image specification defines and cri-failover reads or writes. */
public final class OciAnnotations {

    /** Creation time of an image (RFC 3339). */
    public static final String CREATED = "org.opencontainers.image.created";

    /** The tag of a manifest in a layout's {@code index.json}. */
    public static final String REF_NAME = "org.opencontainers.image.ref.name";

    private OciAnnotations() {}
}
