package io.crifailover.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.crifailover.oci.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkingOutputStreamTest {
    @TempDir
    Path dir;

    @Test
    void bytesWrittenInAnyPiecesGiveTheSameRecipeAsChunkingTheFile() throws Exception {
        byte[] data = new byte[3 * 1024 * 1024 + 12345];
        new Random(7).nextBytes(data);
        // a repeated stretch, so some cuts depend on content seen across write boundaries
        System.arraycopy(data, 0, data, 2 * 1024 * 1024, 200_000);
        Path file = Files.write(dir.resolve("blob"), data);
        ChunkRecipe expected = ChunkRecipe.compute(file, ChunkParams.DEFAULT);

        ChunkingOutputStream out = new ChunkingOutputStream(ChunkParams.DEFAULT);
        Random pieces = new Random(11);
        int off = 0;
        while (off < data.length) {
            int n = Math.min(data.length - off, 1 + pieces.nextInt(300_000));
            out.write(data, off, n);
            off += n;
        }
        ChunkRecipe recipe = out.recipe(Digest.of(data));

        assertThat(recipe).isEqualTo(expected);
        assertThat(recipe.size()).isEqualTo(data.length);
    }

    @Test
    void anEmptyOrTinyStreamIsOneChunkOrNone() {
        ChunkingOutputStream empty = new ChunkingOutputStream(ChunkParams.DEFAULT);
        assertThat(empty.recipe(Digest.of(new byte[0])).chunks()).isEmpty();

        ChunkingOutputStream tiny = new ChunkingOutputStream(ChunkParams.DEFAULT);
        tiny.write(42);
        assertThat(tiny.recipe(Digest.of(new byte[] {42})).chunks()).hasSize(1);
    }
}
