package io.crifailover.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CpuInfoTest {
    @Test
    void readsX86FlagsAndArmFeatures() {
        CpuInfo x86 = CpuInfo.parse("x86_64", "processor\t: 0\nflags\t\t: sse avx2 avx sse\nbugs\t: x\n");
        assertThat(x86.flags()).containsExactly("avx", "avx2", "sse");
        CpuInfo arm = CpuInfo.parse("aarch64", "processor\t: 0\nFeatures\t: fp asimd aes\n");
        assertThat(arm.flags()).containsExactly("aes", "asimd", "fp");
        assertThat(CpuInfo.kernelArch("amd64")).isEqualTo("x86_64");
    }

    @Test
    void readsThisMachine() throws Exception {
        CpuInfo local = CpuInfo.local();
        assertThat(local.arch()).isNotBlank();
        assertThat(local.flags()).isNotEmpty();
    }

    @Test
    void rejectsTextWithoutFlags() {
        assertThatThrownBy(() -> CpuInfo.parse("x86_64", "processor: 0\n")).hasMessageContaining("no 'flags'");
    }
}
