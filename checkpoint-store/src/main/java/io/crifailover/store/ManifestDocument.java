package io.crifailover.store;

import io.crifailover.oci.Descriptor;
import io.crifailover.oci.Digest;
import io.crifailover.oci.ImageIndex;
import io.crifailover.oci.ImageManifest;
import io.crifailover.oci.MediaTypes;
import io.crifailover.oci.OciJson;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the store needs of an image manifest or index, read through the OCI records: its media type,
 * the blobs it references (config and layers) and its child manifests. The document itself is kept
 * byte for byte in its blob.
 *
 * @param mediaType the manifest's or index's media type
 * @param blobs     config and layer digests (a manifest), empty for an index
 * @param children  descriptors of the child manifests (an index), empty for a manifest
 */
public record ManifestDocument(String mediaType, List<Digest> blobs, List<Descriptor> children) {

    public ManifestDocument {
        blobs = List.copyOf(blobs);
        children = List.copyOf(children);
    }

    /**
     * Parses manifest bytes. The media type comes from the document's {@code mediaType} field, or
     * from {@code declaredType} (the HTTP Content-Type) when the document has none; a document with
     * neither is an index if it lists manifests and a manifest if it has a config or layers.
     */
    public static ManifestDocument parse(byte[] json, String declaredType) throws InvalidManifestException {
        ImageManifest manifest = read(json, ImageManifest.class);
        String type = manifest.mediaType();
        if (type == null || type.isEmpty()) {
            type = declaredType == null ? null : declaredType.split(";")[0].trim();
        }
        if (MediaTypes.isIndex(type)) {
            return ofIndex(type, read(json, ImageIndex.class));
        }
        if (MediaTypes.isManifest(type)) {
            return ofManifest(type, manifest);
        }
        ImageIndex index = read(json, ImageIndex.class);
        if (!index.manifests().isEmpty()) {
            return ofIndex(MediaTypes.INDEX, index);
        }
        if (manifest.config() != null || !manifest.layers().isEmpty()) {
            return ofManifest(MediaTypes.MANIFEST, manifest);
        }
        throw new InvalidManifestException("unsupported manifest media type: " + type);
    }

    /** Digests of the child manifests. */
    public List<Digest> childManifests() {
        return children.stream().map(Descriptor::digest).toList();
    }

    public boolean isIndex() {
        return MediaTypes.isIndex(mediaType);
    }

    private static ManifestDocument ofIndex(String type, ImageIndex index) throws InvalidManifestException {
        for (Descriptor child : index.manifests()) {
            requireDigest(child, "manifests[]");
        }
        return new ManifestDocument(type, List.of(), index.manifests());
    }

    private static ManifestDocument ofManifest(String type, ImageManifest manifest) throws InvalidManifestException {
        if (manifest.config() == null) {
            throw new InvalidManifestException("image manifest without config");
        }
        List<Digest> blobs = new ArrayList<>();
        blobs.add(requireDigest(manifest.config(), "config"));
        for (Descriptor layer : manifest.layers()) {
            blobs.add(requireDigest(layer, "layers[]"));
        }
        return new ManifestDocument(type, blobs, List.of());
    }

    private static Digest requireDigest(Descriptor descriptor, String where) throws InvalidManifestException {
        if (descriptor == null || descriptor.digest() == null) {
            throw new InvalidManifestException("missing digest in " + where);
        }
        return descriptor.digest();
    }

    private static <T> T read(byte[] json, Class<T> type) throws InvalidManifestException {
        T document;
        try {
            document = OciJson.read(json, type, "manifest");
        } catch (IOException e) {
            throw new InvalidManifestException(e.getMessage());
        }
        if (document == null) {
            throw new InvalidManifestException("manifest is not a JSON object");
        }
        return document;
    }
}
