package io.crifailover.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crifailover.image.archive.ArchiveLimits;
import io.crifailover.image.archive.CheckpointArchiveReader;
import io.crifailover.image.meta.CheckpointArchiveInfo;
import io.crifailover.image.meta.CheckpointInfoParser;
import io.crifailover.image.meta.CriuDumpStats;
import io.crifailover.image.meta.CriuImageFile;
import io.crifailover.image.meta.MetadataCollector;
import io.crifailover.image.meta.RuntimeFlavour;
import io.crifailover.image.meta.StatsDumpParser;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointInfoParserTest {

    @TempDir
    Path dir;

    @Test
    void statsDumpWrittenByCriuIsDecoded() throws IOException {
        CriuDumpStats stats = StatsDumpParser.parse(TestArchives.fixture("stats-dump"));
        assertThat(stats).isEqualTo(new CriuDumpStats(599481, 94155, 2991, 117, 48, 0, 34, 0));
    }

    @Test
    void criuImageHeaderIsServiceMagicThenStatsMagic() throws IOException {
        CriuImageFile image = CriuImageFile.parse("stats-dump", TestArchives.fixture("stats-dump"));
        assertThat(image.magic()).isEqualTo(CriuImageFile.STATS_MAGIC);
        assertThat(image.entries()).hasSize(1);
    }

    @Test
    void truncatedStatsDumpIsReportedWithItsOffset() throws IOException {
        byte[] bytes = TestArchives.fixture("stats-dump");
        assertThatThrownBy(() -> StatsDumpParser.parse(Arrays.copyOf(bytes, bytes.length - 5)))
                .hasMessageContaining("stats-dump")
                .hasMessageContaining("declares");
    }

    @Test
    void containerdArchiveIdentity() throws IOException {
        CheckpointArchiveInfo info =
                parse(TestArchives.write(dir.resolve("c.tar"), TestArchives.containerdEntries(64, 1)));
        assertThat(info.flavour()).isEqualTo(RuntimeFlavour.CONTAINERD);
        assertThat(info.identity().containerName()).isEqualTo("counter");
        assertThat(info.identity().podName()).isEqualTo("counter-pod");
        assertThat(info.identity().namespace()).isEqualTo("default");
        assertThat(info.identity().podUid()).isEqualTo("uid-1234");
        assertThat(info.identity().sandboxId()).isEqualTo("sb123");
        assertThat(info.identity().containerId()).isEqualTo("abc123");
        assertThat(info.identity().rootfsImageRef()).startsWith("sha256:");
        assertThat(info.checkpointedAt()).isEqualTo(Instant.parse("2026-01-02T03:05:06.5Z"));
        assertThat(info.criuVersion()).isEqualTo("4.1.1");
        assertThat(info.stats().pagesWritten()).isEqualTo(34);
    }

    @Test
    void crioArchiveIdentity() throws IOException {
        CheckpointArchiveInfo info = parse(TestArchives.write(dir.resolve("c.tar"), TestArchives.crioEntries()));
        assertThat(info.flavour()).isEqualTo(RuntimeFlavour.CRIO);
        assertThat(info.identity().containerName()).isEqualTo("web");
        assertThat(info.identity().podName()).isEqualTo("web-0");
        assertThat(info.identity().namespace()).isEqualTo("shop");
        assertThat(info.identity().podUid()).isEqualTo("uid-crio");
        assertThat(info.identity().sandboxId()).isEqualTo("crio-sb");
        assertThat(info.checkpointedAt()).isEqualTo(Instant.parse("2026-01-02T02:05:06Z"));
        assertThat(info.criuVersion()).isNull();
    }

    private static CheckpointArchiveInfo parse(Path archive) throws IOException {
        MetadataCollector collector = new MetadataCollector(1 << 20);
        new CheckpointArchiveReader(ArchiveLimits.defaults()).read(archive, collector.alone());
        return CheckpointInfoParser.parse(collector);
    }
}
