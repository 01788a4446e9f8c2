package io.crifailover.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crifailover.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replication of blobs whose recipe is offered in segments while the sender is still chunking. */
class SegmentedReplicationTest {
    @TempDir
    java.nio.file.Path dir;

    CheckpointStore source;
    CheckpointStore target;
    StoreServer server;
    PeerClient peer;

    @BeforeEach
    void start() throws Exception {
        source = CheckpointStore.open(dir.resolve("a"));
        target = CheckpointStore.open(dir.resolve("b"));
        ClusterKey key = new ClusterKey(Base64.getDecoder().decode(ClusterKey.generate()));
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

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void freshBlobIsOfferedInSegmentsAndArrivesIntact() throws Exception {
        byte[] blob = random(30 << 20, 1);
        Digest d = source.blobs().put(blob, null);
        assertThat(source.chunks().storedRecipe(d)).isEmpty();

        long[] lw = new Replicator(source).pushBlob(peer, d);

        assertThat(lw[0]).isEqualTo(blob.length);
        assertThat(target.blobs().read(d)).isEqualTo(blob);
        ChunkRecipe computed = ChunkRecipe.compute(source.blobs().path(d), ChunkParams.DEFAULT);
        assertThat(source.chunks().storedRecipe(d)).contains(computed);
        assertThat(target.chunks().storedRecipe(d)).contains(computed);
        assertThat(new ReplicationReceiver(target).pendingTransfers()).isEmpty();
        // known recipe now: a second push only offers it
        byte[] again = blob.clone();
        Digest other = source.blobs().put(Arrays.copyOf(again, again.length - 1), null);
        long[] dedup = new Replicator(source).pushBlob(peer, other);
        assertThat(dedup[1]).isLessThan(blob.length / 10);
        assertThat(target.blobs().read(other)).hasSize(blob.length - 1);
    }

    @Test
    void segmentsMustContinueTheRecordedRecipe() throws Exception {
        byte[] blob = random(300_000, 2);
        ChunkRecipe r = ChunkRecipe.compute(java.nio.file.Files.write(dir.resolve("blob"), blob), ChunkParams.DEFAULT);
        assertThat(r.chunks()).hasSizeGreaterThan(4);
        ReplicationReceiver receiver = new ReplicationReceiver(target);
        ChunkRecipe tail = segment(r, 2, r.chunks().size());
        assertThatThrownBy(() -> receiver.offer(r.blob(), tail, 2))
                .isInstanceOf(TransferRejectedException.class)
                .matches(e -> ((TransferRejectedException) e).conflict());
        ChunkRecipe head = segment(r, 0, 2);
        assertThat(receiver.offer(r.blob(), head, 0).missing()).hasSize(2);
        assertThatThrownBy(
                        () -> receiver.offer(r.blob(), segment(r, 3, r.chunks().size()), 3))
                .isInstanceOf(TransferRejectedException.class)
                .hasMessageContaining("skips chunks");
        ChunkRecipe oversized = new ChunkRecipe(
                r.blob(),
                r.size(),
                r.params(),
                List.of(r.chunks().get(2), new ChunkRef(r.chunks().get(3).digest(), (int) r.size())));
        assertThatThrownBy(() -> receiver.offer(r.blob(), oversized, 2))
                .isInstanceOf(TransferRejectedException.class)
                .hasMessageContaining("invalid");
    }

    @Test
    void brokenSegmentResumesAfterRestartFromTheVerifiedPrefix() throws Exception {
        byte[] blob = random(2 << 20, 3);
        Digest d = source.blobs().put(blob, null);
        ChunkRecipe r = ChunkRecipe.compute(source.blobs().path(d), ChunkParams.DEFAULT);
        int half = r.chunks().size() / 2;
        ReplicationReceiver receiver = new ReplicationReceiver(target);
        receiver.offer(d, segment(r, 0, half), 0);
        assertThat(receiver.receive(d, new ByteArrayInputStream(frames(blob, r, 0, half))))
                .isFalse();
        receiver.offer(d, segment(r, half, r.chunks().size()), half);
        byte[] rest = frames(blob, r, half, r.chunks().size());
        InputStream broken = new InputStream() {
            int pos;

            @Override
            public int read() throws IOException {
                if (pos >= rest.length / 2) {
                    throw new IOException("connection reset");
                }
                return rest[pos++] & 0xff;
            }
        };
        assertThatThrownBy(() -> receiver.receive(d, broken)).isInstanceOf(IOException.class);
        assertThat(target.blobs().exists(d)).isFalse();

        ReplicationReceiver restarted = new ReplicationReceiver(target);
        OfferResponse resumed = restarted.offer(d, segment(r, 0, half), 0);
        assertThat(resumed.resumeFrom()).isGreaterThan(half);
        assertThat(resumed.missing()).isEmpty();
        long[] lw = new Replicator(source).pushBlob(peer, d);
        assertThat(lw[1]).isLessThan(blob.length / 2);
        assertThat(target.blobs().read(d)).isEqualTo(blob);
    }

    private static ChunkRecipe segment(ChunkRecipe r, int from, int to) {
        return new ChunkRecipe(r.blob(), r.size(), r.params(), r.chunks().subList(from, to));
    }

    private static byte[] frames(byte[] blob, ChunkRecipe r, int from, int to) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bos);
        int off = 0;
        for (int i = 0; i < to; i++) {
            ChunkRef c = r.chunks().get(i);
            if (i >= from) {
                out.write(c.digest().bytes());
                out.writeInt(c.size());
                out.write(blob, off, c.size());
            }
            off += c.size();
        }
        return bos.toByteArray();
    }
}
