package io.crifailover.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** OCI content descriptor: what a manifest or index says about a blob it references. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"mediaType", "digest", "size", "platform", "annotations"})
public record Descriptor(
        @JsonProperty("mediaType") String mediaType,
        @JsonProperty("digest") Digest digest,
        @JsonProperty("size") long size,
        @JsonProperty("platform") Platform platform,
        @JsonProperty("annotations") SortedMap<String, String> annotations) {

    public Descriptor {
        annotations = annotations == null ? null : new TreeMap<>(annotations);
    }

    public static Descriptor of(String mediaType, Digest digest, long size) {
        return new Descriptor(mediaType, digest, size, null, null);
    }

    public Descriptor withPlatform(Platform value) {
        return new Descriptor(mediaType, digest, size, value, annotations);
    }

    public Descriptor withAnnotations(Map<String, String> value) {
        return new Descriptor(mediaType, digest, size, platform, value == null ? null : new TreeMap<>(value));
    }

    /** The annotation value, or null. */
    public String annotation(String key) {
        return annotations == null ? null : annotations.get(key);
    }
}
