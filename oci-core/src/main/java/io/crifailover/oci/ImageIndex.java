package io.crifailover.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/** OCI image index ({@code index.json} of a layout, or an index blob). */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"schemaVersion", "mediaType", "manifests", "annotations"})
public record ImageIndex(
        @JsonProperty("schemaVersion") int schemaVersion,
        @JsonProperty("mediaType") String mediaType,
        @JsonProperty("manifests") List<Descriptor> manifests,
        @JsonProperty("annotations") SortedMap<String, String> annotations) {

    public ImageIndex {
        manifests = manifests == null ? List.of() : List.copyOf(manifests);
        annotations = annotations == null ? null : new TreeMap<>(annotations);
    }

    public static ImageIndex of(List<Descriptor> manifests, SortedMap<String, String> annotations) {
        return new ImageIndex(2, MediaTypes.INDEX, manifests, annotations);
    }
}
