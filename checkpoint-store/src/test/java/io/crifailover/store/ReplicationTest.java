package io.crifailover.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crifailover.oci.Digest;
import io.crifailover.oci.MediaTypes;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplicationTest {
    @TempDir
    Path dir;

    CheckpointStore source;
    CheckpointStore target;
    StoreServer server;
    ClusterKey key;
    PeerClient peer;

    @BeforeEach
    void start() throws Exception {
        source = CheckpointStore.open(dir.resolve("a"));
        target = CheckpointStore.open(dir.resolve("b"));
        key = new ClusterKey(Base64.getDecoder().decode(ClusterKey.generate()));
        server = StoreServer.start(
                target,
                new AccessPolicy(key, Map.of()),
                List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        peer = new PeerClient(server.url(), new HmacSigner(key, "node-a"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static byte[] mutate(byte[] base, long seed, int pages) {
        byte[] copy = base.clone();
        Random r = new Random(seed);
        for (int i = 0; i < pages; i++) {
            int page = r.nextInt(copy.length / 4096);
            for (int j = 0; j < 64; j++) {
                copy[page * 4096 + r.nextInt(4096)] ^= 0x5a;
            }
        }
        return copy;
    }

    @Test
    void secondCheckpointSendsOnlyChangedChunks() throws Exception {
        byte[] memory = new byte[8 << 20];
        new Random(7).nextBytes(memory);
        TestImage first = TestImage.of(List.of(memory), "{\"n\":1}");
        first.storeInto(source, "ckpt/redis", "1");
        source.recordCheckpoint("redis", 1, "ckpt/redis", "1");
        Replicator replicator = new Replicator(source);
        ReplicationReport r1 = replicator.push(peer, "ckpt/redis", "1", "redis", 1);
        assertThat(r1.wireBytes()).isGreaterThan(memory.length);

        TestImage second = TestImage.of(List.of(mutate(memory, 8, 20)), "{\"n\":2}");
        second.storeInto(source, "ckpt/redis", "2");
        ReplicationReport r2 = replicator.push(peer, "ckpt/redis", "2", "redis", 2);
        assertThat(r2.dedupRatio()).isGreaterThan(10);

        assertThat(target.manifest("ckpt/redis", "2"))
                .get()
                .extracting(StoredManifest::digest)
                .isEqualTo(second.indexDigest());
        assertThat(target.blobs().read(Digest.of(second.layers.get(0)))).isEqualTo(second.layers.get(0));
        assertThat(target.history("redis"))
                .extracting(CheckpointRecord::sequence)
                .containsExactly(1L, 2L);
        assertThat(source.metrics().dedupRatio()).isGreaterThan(1.5);
        assertThat(source.metrics().replicationLatency().count()).isEqualTo(2);
        // nothing new: only the recipe offers and manifests go over the wire
        ReplicationReport again = replicator.push(peer, "ckpt/redis", "2", null, 0);
        assertThat(again.wireBytes()).isLessThan(20_000);
    }

    private static byte[] frames(List<ChunkRef> chunks, List<byte[]> data) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bos);
        for (int i = 0; i < chunks.size(); i++) {
            out.write(chunks.get(i).digest().bytes());
            out.writeInt(chunks.get(i).size());
            out.write(data.get(i));
        }
        return bos.toByteArray();
    }

    private ChunkRecipe recipeOf(byte[] blob) throws IOException {
        Path f = Files.write(dir.resolve("tmp-" + System.nanoTime()), blob);
        return ChunkRecipe.compute(f, ChunkParams.DEFAULT);
    }

    private static List<byte[]> slices(byte[] blob, ChunkRecipe r) {
        List<byte[]> out = new java.util.ArrayList<>();
        int off = 0;
        for (ChunkRef c : r.chunks()) {
            out.add(java.util.Arrays.copyOfRange(blob, off, off + c.size()));
            off += c.size();
        }
        return out;
    }

    @Test
    void tamperedChunkIsRejectedAndInvisible() throws Exception {
        byte[] blob = new byte[200_000];
        new Random(9).nextBytes(blob);
        ChunkRecipe r = recipeOf(blob);
        ReplicationReceiver receiver = new ReplicationReceiver(target);
        receiver.offer(r.blob(), r);
        List<byte[]> data = slices(blob, r);
        data.get(2)[10] ^= 1;
        assertThatThrownBy(() -> receiver.receive(r.blob(), new java.io.ByteArrayInputStream(frames(r.chunks(), data))))
                .isInstanceOf(TransferRejectedException.class)
                .hasMessageContaining("tampered chunk #2");
        assertThat(target.blobs().exists(r.blob())).isFalse();
        assertThat(target.metrics().rejectedTransfers().count()).isEqualTo(1);
        // the verified prefix is kept: a correct retry resumes at chunk 2
        OfferResponse again = receiver.offer(r.blob(), r);
        assertThat(again.resumeFrom()).isEqualTo(2);
    }

    @Test
    void wrongBlobDigestIsRejectedAndDiscarded() throws Exception {
        byte[] blob = new byte[100_000];
        new Random(10).nextBytes(blob);
        ChunkRecipe honest = recipeOf(blob);
        Digest claimed = Digest.of("something else".getBytes());
        ChunkRecipe lying = new ChunkRecipe(claimed, honest.size(), honest.params(), honest.chunks());
        byte[] encoded = lying.encode();
        OfferResponse offer = peer.offer(lying, encoded);
        assertThat(offer.missing()).isNotEmpty();
        Path f = Files.write(dir.resolve("lying"), blob);
        List<Long> offsets = new java.util.ArrayList<>();
        long off = 0;
        for (ChunkRef c : honest.chunks()) {
            offsets.add(off);
            off += c.size();
        }
        assertThatThrownBy(() -> peer.sendChunks(claimed, f, honest.chunks(), offsets))
                .isInstanceOf(PeerClient.PeerException.class)
                .hasMessageContaining("not the announced blob digest");
        assertThat(target.blobs().exists(claimed)).isFalse();
        assertThat(target.blobs().list()).isEmpty();
        assertThat(new ReplicationReceiver(target).pendingTransfers()).isEmpty();
    }

    @Test
    void peerManifestReferencingMissingBlobsIsRejected() throws Exception {
        TestImage img = TestImage.random(11, 1000);
        assertThatThrownBy(() -> peer.putManifest("ckpt/x", "1", img.manifest, MediaTypes.MANIFEST))
                .isInstanceOf(PeerClient.PeerException.class)
                .hasMessageContaining("MANIFEST_BLOB_UNKNOWN");
        assertThat(target.manifest("ckpt/x", "1")).isEmpty();
        assertThat(target.blobs().list()).isEmpty();
    }

    @Test
    void brokenConnectionResumesFromTheVerifiedPrefix() throws Exception {
        byte[] blob = new byte[2 << 20];
        new Random(12).nextBytes(blob);
        Digest d = source.blobs().put(blob, null);
        ChunkRecipe r = source.chunks().recipeFor(d);
        ReplicationReceiver receiver = new ReplicationReceiver(target);
        receiver.offer(d, r);
        byte[] all = frames(r.chunks(), slices(blob, r));
        int cut = all.length / 2;
        InputStream broken = new InputStream() {
            int pos;

            @Override
            public int read() throws IOException {
                if (pos >= cut) {
                    throw new IOException("connection reset");
                }
                return all[pos++] & 0xff;
            }
        };
        assertThatThrownBy(() -> receiver.receive(d, broken)).isInstanceOf(IOException.class);
        assertThat(target.blobs().exists(d)).isFalse();
        OfferResponse resumed = receiver.offer(d, r);
        assertThat(resumed.resumeFrom()).isGreaterThan(r.chunks().size() / 3);
        long[] lw = new Replicator(source).pushBlob(peer, d);
        assertThat(lw[1]).isLessThan(blob.length * 2L / 3);
        assertThat(target.blobs().read(d)).isEqualTo(blob);
        assertThat(receiver.pendingTransfers()).isEmpty();
    }

    @Test
    void unsignedOrReplayedPeerRequestsAreRefused() throws Exception {
        PeerClient stranger = new PeerClient(
                server.url(),
                new HmacSigner(new ClusterKey(Base64.getDecoder().decode(ClusterKey.generate())), "evil"));
        TestImage img = TestImage.random(13, 100);
        ChunkRecipe r = recipeOf(img.layers.get(0));
        assertThatThrownBy(() -> stranger.offer(r, r.encode()))
                .isInstanceOf(PeerClient.PeerException.class)
                .hasMessageContaining("401");
        HmacSigner signer = new HmacSigner(key, "node-a");
        byte[] body = r.encode();
        String path = "/replication/v1/blobs/" + r.blob() + "/offer";
        Map<String, String> headers = signer.sign("POST", path, body);
        var http = java.net.http.HttpClient.newHttpClient();
        java.util.function.Supplier<java.net.http.HttpRequest> req = () -> {
            var b = java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.url() + path))
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body));
            headers.forEach(b::header);
            return b.build();
        };
        assertThat(http.send(req.get(), java.net.http.HttpResponse.BodyHandlers.discarding())
                        .statusCode())
                .isEqualTo(200);
        assertThat(http.send(req.get(), java.net.http.HttpResponse.BodyHandlers.discarding())
                        .statusCode())
                .isEqualTo(401);
    }
}
