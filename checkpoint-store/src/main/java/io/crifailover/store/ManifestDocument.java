package io.crifailover.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an image manifest or index the store needs: media type, the blobs and child manifests it
 * references, and its annotations. Everything else is kept byte-for-byte in the blob.
 */
public record ManifestDocument(
        String mediaType, List<Digest> blobs, List<Digest> childManifests, Map<String, String> annotations) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Parses manifest bytes. The media type comes from the document's {@code mediaType} field, or from
     * {@code declaredType} (the HTTP Content-Type) when the document has none.
     */
    public static ManifestDocument parse(byte[] json, String declaredType) throws InvalidManifestException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new InvalidManifestException("manifest is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidManifestException("manifest is not a JSON object");
        }
        String type = root.path("mediaType").asText(null);
        if (type == null || type.isEmpty()) {
            type = declaredType == null ? null : declaredType.split(";")[0].trim();
        }
        if (type == null || !MediaTypes.isSupported(type)) {
            if (root.has("manifests")) {
                type = MediaTypes.OCI_INDEX;
            } else if (root.has("layers")) {
                type = MediaTypes.OCI_MANIFEST;
            } else {
                throw new InvalidManifestException("unsupported manifest media type: " + type);
            }
        }
        List<Digest> blobs = new ArrayList<>();
        List<Digest> children = new ArrayList<>();
        if (MediaTypes.isIndex(type)) {
            for (JsonNode m : root.path("manifests")) {
                children.add(digestOf(m, "manifests[]"));
            }
        } else {
            if (!root.has("config")) {
                throw new InvalidManifestException("image manifest without config");
            }
            blobs.add(digestOf(root.get("config"), "config"));
            for (JsonNode l : root.path("layers")) {
                blobs.add(digestOf(l, "layers[]"));
            }
        }
        Map<String, String> annotations = new LinkedHashMap<>();
        root.path("annotations")
                .fields()
                .forEachRemaining(e -> annotations.put(e.getKey(), e.getValue().asText()));
        return new ManifestDocument(type, List.copyOf(blobs), List.copyOf(children), Map.copyOf(annotations));
    }

    private static Digest digestOf(JsonNode descriptor, String where) throws InvalidManifestException {
        String d = descriptor.path("digest").asText(null);
        try {
            return Digest.parse(d);
        } catch (IllegalArgumentException e) {
            throw new InvalidManifestException("bad digest in " + where + ": " + e.getMessage());
        }
    }

    public boolean isIndex() {
        return MediaTypes.isIndex(mediaType);
    }
}
