package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crifailover.placement.Xsave;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CriuCpuinfoImageTest {
    @TempDir
    Path dir;

    @Test
    void readsTheXsaveFactsAndRejectsOtherBytes() {
        Xsave x = new Xsave(0x2e7, 2696, 2696);
        assertThat(CriuCpuinfoImage.parse(CriuSelfCheckTest.image(x)).xsave()).isEqualTo(x);
        assertThatThrownBy(() -> CriuCpuinfoImage.parse(new byte[] {1, 2, 3})).hasMessageContaining("too short");
        byte[] wrongMagic = CriuSelfCheckTest.image(x);
        wrongMagic[4] = 0;
        assertThatThrownBy(() -> CriuCpuinfoImage.parse(wrongMagic)).hasMessageContaining("not a CRIU cpuinfo image");
    }

    /** This machine's real values, from the real {@code criu cpuinfo dump} (needs root and CRIU). */
    @Test
    @Tag("integration")
    void readsWhatTheRealCriuWritesOnThisMachine() throws Exception {
        ProcessRunner.Outcome dump = new ProcessRunner()
                .run(List.of("criu", "cpuinfo", "dump", "-D", dir.toString()), dir, java.time.Duration.ofSeconds(10));
        assertThat(dump.succeeded()).as(dump.output()).isTrue();
        CriuCpuinfoImage.Cpu cpu = CriuCpuinfoImage.parse(Files.readAllBytes(dir.resolve("cpuinfo.img")));
        assertThat(cpu.xsave().known()).isTrue();
        assertThat(cpu.xsave().features() & 0x1).as("x87 state").isEqualTo(1);
        assertThat(cpu.xsave().size()).isBetween(512 + 64, cpu.xsave().maxSize());
        assertThat(cpu.xsave().refusal(cpu.xsave())).isEmpty();
        System.out.println("this machine: xsave " + cpu.xsave() + ", " + cpu.model());
    }
}
