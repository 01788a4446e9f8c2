package io.crifailover.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crifailover.oci.Digest;
import io.crifailover.oci.MediaTypes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {
    @TempDir
    Path dir;

    @Test
    void manifestReferencingMissingBlobsIsRejectedAndNotStored() throws Exception {
        CheckpointStore store = CheckpointStore.open(dir);
        TestImage img = TestImage.random(1, 1000);
        store.blobs().put(img.config, null);
        assertThatThrownBy(() -> store.putManifest("ckpt/app", "v1", img.manifest, MediaTypes.MANIFEST))
                .isInstanceOf(MissingReferencesException.class)
                .hasMessageContaining(Digest.of(img.layers.get(0)).toString());
        assertThat(store.manifest("ckpt/app", "v1")).isEmpty();
        assertThat(store.blobs().exists(img.manifestDigest())).isFalse();
    }

    @Test
    void resolvesTagsAndDigestsWithMediaType() throws Exception {
        CheckpointStore store = CheckpointStore.open(dir);
        TestImage img = TestImage.random(2, 1000, 2000);
        Digest idx = img.storeInto(store, "ckpt/app", "1");
        assertThat(store.manifest("ckpt/app", "1")).get().satisfies(m -> {
            assertThat(m.digest()).isEqualTo(idx);
            assertThat(m.mediaType()).isEqualTo(MediaTypes.INDEX);
        });
        assertThat(store.manifest("ckpt/app", img.manifestDigest().toString()))
                .get()
                .extracting(StoredManifest::mediaType)
                .isEqualTo(MediaTypes.MANIFEST);
        assertThat(store.manifest("other", "1")).isEmpty();
        assertThatThrownBy(() -> store.putManifest("ckpt/app", img.indexDigest().toString(), img.manifest, null))
                .isInstanceOf(InvalidManifestException.class);
    }

    @Test
    void retentionKeepsTheNewestAndGcDeletesOnlyUnreferenced() throws Exception {
        CheckpointStore store = CheckpointStore.open(dir);
        List<TestImage> images = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            TestImage img = TestImage.random(100 + i, 5000);
            images.add(img);
            img.storeInto(store, "ckpt/c1", "s" + i);
            store.recordCheckpoint("c1", i, "ckpt/c1", "s" + i);
        }
        TestImage pinned = images.get(0);
        try (RestorePins.Pin pin = store.pins().pin(pinned.indexDigest())) {
            assertThat(store.retain("c1", 2))
                    .extracting(CheckpointRecord::sequence)
                    .containsExactly(1L, 2L, 3L);
            store.gc(Duration.ZERO);
            assertThat(store.history("c1"))
                    .extracting(CheckpointRecord::sequence)
                    .containsExactly(4L, 5L);
            // pinned by a restore in progress: image 1 survives although retention dropped it
            assertThat(store.blobs().exists(pinned.indexDigest())).isTrue();
            pinned.blobDigests()
                    .forEach(d -> assertThat(store.blobs().exists(d)).isTrue());
            for (int i = 1; i <= 2; i++) {
                assertThat(store.blobs().exists(images.get(i).indexDigest())).isFalse();
                images.get(i)
                        .blobDigests()
                        .forEach(d -> assertThat(store.blobs().exists(d)).isFalse());
            }
        }
        store.gc(Duration.ZERO);
        assertThat(store.blobs().exists(pinned.indexDigest())).isFalse();
        for (int i = 3; i < 5; i++) {
            TestImage kept = images.get(i);
            assertThat(store.manifest("ckpt/c1", "s" + (i + 1))).isPresent();
            kept.blobDigests().forEach(d -> assertThat(store.blobs().exists(d)).isTrue());
        }
    }

    @Test
    void gcDuringConcurrentPushesNeverDeletesAReferencedBlob() throws Exception {
        CheckpointStore store = CheckpointStore.open(dir);
        int writers = 4;
        int perWriter = 15;
        ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
        AtomicBoolean done = new AtomicBoolean();
        try {
            List<Future<?>> pushes = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                pushes.add(pool.submit(() -> {
                    for (int i = 1; i <= perWriter; i++) {
                        TestImage img = TestImage.random(writer * 1000L + i, 3000, 1000);
                        img.storeInto(store, "ckpt/w" + writer, "s" + i);
                        store.recordCheckpoint("w" + writer, i, "ckpt/w" + writer, "s" + i);
                        store.retain("w" + writer, 3);
                    }
                    return null;
                }));
            }
            Future<Integer> gc = pool.submit(() -> {
                int runs = 0;
                while (!done.get() && runs < 10_000) {
                    store.gc(Duration.ofSeconds(30));
                    runs++;
                }
                return runs;
            });
            for (Future<?> f : pushes) {
                f.get(2, TimeUnit.MINUTES);
            }
            done.set(true);
            assertThat(gc.get(1, TimeUnit.MINUTES)).isPositive();
            store.gc(Duration.ZERO);
            for (int w = 0; w < writers; w++) {
                List<CheckpointRecord> h = store.history("w" + w);
                assertThat(h).extracting(CheckpointRecord::sequence).containsExactly(13L, 14L, 15L);
                for (CheckpointRecord r : h) {
                    StoredManifest idx = store.manifest(r.repository(), r.tag()).orElseThrow();
                    ManifestDocument doc = ManifestDocument.parse(idx.content(), idx.mediaType());
                    for (Digest child : doc.childManifests()) {
                        StoredManifest m =
                                store.manifest(r.repository(), child.toString()).orElseThrow();
                        for (Digest b : ManifestDocument.parse(m.content(), m.mediaType())
                                .blobs()) {
                            assertThat(store.blobs().exists(b))
                                    .as("blob %s of %s", b, r.reference())
                                    .isTrue();
                        }
                    }
                }
            }
            // 4 writers x 3 kept images x (index + manifest + config + 2 layers)
            assertThat(store.blobs().list()).hasSize(writers * 3 * 5);
        } finally {
            done.set(true);
            pool.shutdownNow();
        }
    }
}
