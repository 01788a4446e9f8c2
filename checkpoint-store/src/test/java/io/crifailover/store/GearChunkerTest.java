package io.crifailover.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.crifailover.oci.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GearChunkerTest {
    @TempDir
    Path dir;

    @Test
    void chunksRespectBoundsAndReassembleToTheBlob() throws Exception {
        byte[] data = new byte[3 << 20];
        new Random(1).nextBytes(data);
        Path f = dir.resolve("blob");
        Files.write(f, data);
        ChunkRecipe r = ChunkRecipe.compute(f, ChunkParams.DEFAULT);
        assertThat(r.blob()).isEqualTo(Digest.of(data));
        assertThat(r.size()).isEqualTo(data.length);
        for (int i = 0; i < r.chunks().size() - 1; i++) {
            assertThat(r.chunks().get(i).size()).isBetween(ChunkParams.DEFAULT.min(), ChunkParams.DEFAULT.max());
        }
        double avg = (double) data.length / r.chunks().size();
        assertThat(avg).isBetween(ChunkParams.DEFAULT.avg() * 0.5, ChunkParams.DEFAULT.avg() * 2.0);
        r.validate(Digest.of(data));
        assertThat(ChunkRecipe.decode(r.encode())).isEqualTo(r);
    }

    @Test
    void anInsertionOnlyChangesChunksNearIt() throws Exception {
        byte[] data = new byte[2 << 20];
        new Random(2).nextBytes(data);
        byte[] shifted = new byte[data.length + 100];
        System.arraycopy(data, 0, shifted, 0, 1 << 20);
        System.arraycopy(data, 1 << 20, shifted, (1 << 20) + 100, data.length - (1 << 20));
        Files.write(dir.resolve("a"), data);
        Files.write(dir.resolve("b"), shifted);
        ChunkRecipe a = ChunkRecipe.compute(dir.resolve("a"), ChunkParams.DEFAULT);
        ChunkRecipe b = ChunkRecipe.compute(dir.resolve("b"), ChunkParams.DEFAULT);
        Set<Digest> known = new HashSet<>();
        a.chunks().forEach(c -> known.add(c.digest()));
        long newBytes = b.chunks().stream()
                .filter(c -> !known.contains(c.digest()))
                .mapToLong(ChunkRef::size)
                .sum();
        assertThat(newBytes).isLessThan(4L * ChunkParams.DEFAULT.max());
    }

    @Test
    void emptyAndTinyBlobs() throws Exception {
        Files.write(dir.resolve("e"), new byte[0]);
        Files.write(dir.resolve("t"), new byte[] {1, 2, 3});
        assertThat(ChunkRecipe.compute(dir.resolve("e"), ChunkParams.DEFAULT).chunks())
                .isEmpty();
        assertThat(ChunkRecipe.compute(dir.resolve("t"), ChunkParams.DEFAULT).chunks())
                .hasSize(1);
    }
}
