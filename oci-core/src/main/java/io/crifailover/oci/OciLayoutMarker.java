package io.crifailover.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/** The {@code oci-layout} file at the root of an image layout. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record OciLayoutMarker(
        @JsonProperty("imageLayoutVersion") String imageLayoutVersion) {

    public static final String FILE_NAME = "oci-layout";

    public static OciLayoutMarker current() {
        return new OciLayoutMarker("1.0.0");
    }
}
