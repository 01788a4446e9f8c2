package io.crifailover.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/** OCI image manifest. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"schemaVersion", "mediaType", "config", "layers", "annotations"})
public record ImageManifest(
        @JsonProperty("schemaVersion") int schemaVersion,
        @JsonProperty("mediaType") String mediaType,
        @JsonProperty("config") Descriptor config,
        @JsonProperty("layers") List<Descriptor> layers,
        @JsonProperty("annotations") SortedMap<String, String> annotations) {

    public ImageManifest {
        layers = layers == null ? List.of() : List.copyOf(layers);
        annotations = annotations == null ? null : new TreeMap<>(annotations);
    }

    public static ImageManifest of(Descriptor config, List<Descriptor> layers, SortedMap<String, String> annotations) {
        return new ImageManifest(2, MediaTypes.MANIFEST, config, layers, annotations);
    }

    /** The annotation value, or null. */
    public String annotation(String key) {
        return annotations == null ? null : annotations.get(key);
    }
}
