package io.crifailover.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/** OCI image configuration: platform, labels, layer diff IDs and history. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"created", "architecture", "os", "variant", "config", "rootfs", "history"})
public record ImageConfig(
        @JsonProperty("created") String created,
        @JsonProperty("architecture") String architecture,
        @JsonProperty("os") String os,
        @JsonProperty("variant") String variant,
        @JsonProperty("config") RuntimeConfig config,
        @JsonProperty("rootfs") RootFs rootfs,
        @JsonProperty("history") List<History> history) {

    /** The {@code config} section; only labels are used by checkpoint images. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record RuntimeConfig(@JsonProperty("Labels") SortedMap<String, String> labels) {
        public RuntimeConfig {
            labels = labels == null ? null : new TreeMap<>(labels);
        }
    }

    /** The {@code rootfs} section. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonPropertyOrder({"type", "diff_ids"})
    public record RootFs(
            @JsonProperty("type") String type,
            @JsonProperty("diff_ids") List<Digest> diffIds) {
        public static RootFs layers(List<Digest> diffIds) {
            return new RootFs("layers", List.copyOf(diffIds));
        }
    }

    /** One {@code history} entry. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonPropertyOrder({"created", "created_by", "comment"})
    public record History(
            @JsonProperty("created") String created,
            @JsonProperty("created_by") String createdBy,
            @JsonProperty("comment") String comment) {}
}
