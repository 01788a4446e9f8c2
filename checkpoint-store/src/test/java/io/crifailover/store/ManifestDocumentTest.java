package io.crifailover.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crifailover.oci.Digest;
import io.crifailover.oci.MediaTypes;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ManifestDocumentTest {

    private static final Digest CONFIG = Digest.of("config".getBytes(StandardCharsets.UTF_8));
    private static final Digest LAYER = Digest.of("layer".getBytes(StandardCharsets.UTF_8));

    @Test
    void aManifestReferencesItsConfigAndLayers() throws Exception {
        ManifestDocument doc = ManifestDocument.parse(manifest(MediaTypes.DOCKER_MANIFEST), null);
        assertThat(doc.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
        assertThat(doc.blobs()).containsExactly(CONFIG, LAYER);
        assertThat(doc.childManifests()).isEmpty();
        assertThat(doc.isIndex()).isFalse();
    }

    @Test
    void anIndexReferencesItsManifestsWithTheirMediaTypes() throws Exception {
        byte[] index = json("{'schemaVersion':2,'manifests':[{'mediaType':'" + MediaTypes.MANIFEST + "','digest':'"
                + CONFIG + "','size':1}]}");
        ManifestDocument doc = ManifestDocument.parse(index, MediaTypes.INDEX + "; charset=utf-8");
        assertThat(doc.isIndex()).isTrue();
        assertThat(doc.childManifests()).containsExactly(CONFIG);
        assertThat(doc.children().get(0).mediaType()).isEqualTo(MediaTypes.MANIFEST);
        assertThat(doc.blobs()).isEmpty();
    }

    @Test
    void withoutAnyMediaTypeTheShapeDecides() throws Exception {
        assertThat(ManifestDocument.parse(manifest(null), null).mediaType()).isEqualTo(MediaTypes.MANIFEST);
        byte[] index = json("{'manifests':[{'digest':'" + CONFIG + "'}]}");
        assertThat(ManifestDocument.parse(index, "application/json").mediaType())
                .isEqualTo(MediaTypes.INDEX);
    }

    @Test
    void badDocumentsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> ManifestDocument.parse(json("{'schemaVersion':2}"), null))
                .isInstanceOf(InvalidManifestException.class)
                .hasMessageContaining("unsupported manifest media type");
        assertThatThrownBy(() -> ManifestDocument.parse(json("{'layers':[]}"), MediaTypes.MANIFEST))
                .hasMessageContaining("without config");
        assertThatThrownBy(() ->
                        ManifestDocument.parse(json("{'config':{'digest':'md5:00'},'layers':[]}"), MediaTypes.MANIFEST))
                .isInstanceOf(InvalidManifestException.class)
                .hasMessageContaining("md5:00");
        assertThatThrownBy(() -> ManifestDocument.parse(
                        json("{'config':{'digest':'" + CONFIG + "'},'layers':[{'size':3}]}"), MediaTypes.MANIFEST))
                .hasMessageContaining("missing digest in layers[]");
        assertThatThrownBy(() -> ManifestDocument.parse(json("null"), null)).hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> ManifestDocument.parse(json("{not json"), null))
                .isInstanceOf(InvalidManifestException.class);
    }

    private static byte[] manifest(String mediaType) {
        String type = mediaType == null ? "" : "'mediaType':'" + mediaType + "',";
        return json("{'schemaVersion':2," + type + "'config':{'mediaType':'" + MediaTypes.CONFIG + "','digest':'"
                + CONFIG + "','size':6},'layers':[{'mediaType':'" + MediaTypes.LAYER_TAR + "','digest':'" + LAYER
                + "','size':5}]}");
    }

    private static byte[] json(String singleQuoted) {
        return singleQuoted.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }
}
