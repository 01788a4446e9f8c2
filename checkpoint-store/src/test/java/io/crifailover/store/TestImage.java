package io.crifailover.store;

import io.crifailover.oci.Digest;
import io.crifailover.oci.MediaTypes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Builds small OCI images (index -> manifest -> config + layers) for tests, in the store's own format. */
final class TestImage {
    final List<byte[]> layers = new ArrayList<>();
    byte[] config;
    byte[] manifest;
    byte[] index;

    static TestImage random(long seed, int... layerSizes) {
        Random r = new Random(seed);
        TestImage t = new TestImage();
        for (int size : layerSizes) {
            byte[] b = new byte[size];
            r.nextBytes(b);
            t.layers.add(b);
        }
        return t.build("{\"architecture\":\"amd64\",\"os\":\"linux\",\"seed\":" + seed + "}");
    }

    static TestImage of(List<byte[]> layers, String configJson) {
        TestImage t = new TestImage();
        t.layers.addAll(layers);
        return t.build(configJson);
    }

    private TestImage build(String configJson) {
        config = configJson.getBytes(StandardCharsets.UTF_8);
        StringBuilder m = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.MANIFEST + "\",")
                .append("\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"")
                .append(Digest.of(config))
                .append("\",\"size\":")
                .append(config.length)
                .append("},\"layers\":[");
        for (int i = 0; i < layers.size(); i++) {
            if (i > 0) {
                m.append(',');
            }
            m.append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"")
                    .append(Digest.of(layers.get(i)))
                    .append("\",\"size\":")
                    .append(layers.get(i).length)
                    .append('}');
        }
        m.append("],\"annotations\":{\"io.kubernetes.cri-o.annotations.checkpoint.name\":\"counter\"}}");
        manifest = m.toString().getBytes(StandardCharsets.UTF_8);
        index = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.INDEX + "\",\"manifests\":[{\"mediaType\":\""
                        + MediaTypes.MANIFEST + "\",\"digest\":\"" + Digest.of(manifest) + "\",\"size\":"
                        + manifest.length
                        + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}],"
                        + "\"annotations\":{\"org.criu.checkpoint.container.name\":\"counter\"}}")
                .getBytes(StandardCharsets.UTF_8);
        return this;
    }

    Digest indexDigest() {
        return Digest.of(index);
    }

    Digest manifestDigest() {
        return Digest.of(manifest);
    }

    List<Digest> blobDigests() {
        List<Digest> out = new ArrayList<>();
        out.add(Digest.of(config));
        layers.forEach(l -> out.add(Digest.of(l)));
        return out;
    }

    /** Stores everything directly (no HTTP) and tags the index. */
    Digest storeInto(CheckpointStore store, String repo, String tag) throws Exception {
        store.blobs().put(config, null);
        for (byte[] l : layers) {
            store.blobs().put(l, null);
        }
        store.putManifest(repo, Digest.of(manifest).toString(), manifest, MediaTypes.MANIFEST);
        return store.putManifest(repo, tag, index, MediaTypes.INDEX);
    }
}
