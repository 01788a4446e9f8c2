package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;

import io.crifailover.placement.Xsave;
import io.crifailover.protos.criu.CriuCpuinfo.cpuinfo_entry;
import io.crifailover.protos.criu.CriuCpuinfo.cpuinfo_x86_entry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The self-check against small {@code criu} stand-in scripts: passing, failing, hanging, old. */
class CriuSelfCheckTest {
    static final Xsave XSAVE = new Xsave(0x207, 2696, 2696);

    @TempDir
    Path dir;

    /** A cpuinfo image as CRIU writes it, with these xsave facts. */
    static byte[] image(Xsave xsave) {
        byte[] entry = cpuinfo_entry
                .newBuilder()
                .addX86Entry(cpuinfo_x86_entry
                        .newBuilder()
                        .setVendorId(cpuinfo_x86_entry.vendor.AMD)
                        .setCpuFamily(25)
                        .setModel(1)
                        .setStepping(1)
                        .setCapabilityVer(2)
                        .setModelId("AMD EPYC")
                        .setXfeaturesMask(xsave.features())
                        .setXsaveSize(xsave.size())
                        .setXsaveSizeMax(xsave.maxSize()))
                .build()
                .toByteArray();
        return ByteBuffer.allocate(12 + entry.length)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(CriuCpuinfoImage.COMMON_MAGIC)
                .putInt(CriuCpuinfoImage.CPUINFO_MAGIC)
                .putInt(entry.length)
                .put(entry)
                .array();
    }

    /** A criu stand-in: version line, `check` exit status, breakpoints exit status, and the cpuinfo image. */
    Path standIn(String version, int check, int breakpoints, String onCheck) throws IOException {
        Path img = Files.write(dir.resolve("cpuinfo.img.src"), image(XSAVE));
        Path script = dir.resolve("criu");
        Files.writeString(
                script,
                String.join(
                        "\n",
                        "#!/bin/sh",
                        "case \"$1 $2 $3\" in",
                        "  --version*) echo 'Version: " + version + "' ;;",
                        "  'check --feature breakpoints') exit " + breakpoints + " ;;",
                        "  'check --feature'*) echo \"$3 is supported\" ;;",
                        "  check*) " + onCheck + "; exit " + check + " ;;",
                        "  'cpuinfo dump -D') cp " + img + " \"$4/cpuinfo.img\" ;;",
                        "esac",
                        ""));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    CriuReadiness run(Path criu, Xsave override) throws IOException {
        Path work = Files.createDirectories(dir.resolve("work"));
        return new CriuSelfCheck(
                        criu.toString(),
                        new ProcessRunner(),
                        Duration.ofMillis(1500),
                        work,
                        Clock.systemUTC(),
                        override)
                .run();
    }

    @Test
    void aPassingCriuIsReadyWithTheXsaveFactsOfItsCpuinfoImage() throws IOException {
        CriuReadiness r = run(standIn("4.2.1", 0, 0, "echo 'Looks good.'"), null);
        assertThat(r.state()).isEqualTo(CriuReadiness.State.READY);
        assertThat(r.version()).isEqualTo("4.2.1");
        assertThat(r.xsave()).isEqualTo(XSAVE);
        assertThat(r.cpuModel()).isEqualTo("AMD EPYC");
        assertThat(r.checks())
                .extracting(CriuReadiness.Check::name)
                .contains("criu check", "criu check --feature breakpoints", "criu cpuinfo dump");
        assertThat(Files.list(dir.resolve("work")))
                .as("temporary image dir removed")
                .isEmpty();
    }

    @Test
    void theXsaveOverrideIsPublishedInstead() throws IOException {
        Xsave other = new Xsave(0x205, 2440, 2440);
        assertThat(run(standIn("4.2.1", 0, 0, "true"), other).xsave()).isEqualTo(other);
    }

    @Test
    void aFailingCheckIsNotReadyAndSaysWhy() throws IOException {
        CriuReadiness r = run(standIn("4.2.1", 1, 0, "echo 'Error: no PTRACE_O_SUSPEND_SECCOMP'"), null);
        assertThat(r.state()).isEqualTo(CriuReadiness.State.NOT_READY);
        assertThat(r.reason()).contains("criu check failed (exit 1)").contains("PTRACE_O_SUSPEND_SECCOMP");
    }

    @Test
    void aHangingCheckIsCutOffAtTheLimitAndNotReady() throws IOException {
        CriuReadiness r = run(standIn("4.2.1", 0, 0, "exec sleep 600"), null);
        assertThat(r.state()).isEqualTo(CriuReadiness.State.NOT_READY);
        assertThat(r.reason()).contains("criu check did not finish within 1500 ms");
    }

    @Test
    void anOldCriuWithoutWorkingBreakpointsIsNotReadyANewOneIs() throws IOException {
        CriuReadiness old = run(standIn("4.1.1", 0, 1, "true"), null);
        assertThat(old.state()).isEqualTo(CriuReadiness.State.NOT_READY);
        assertThat(old.reason()).contains("hardware breakpoints").contains("4.2");
        assertThat(run(standIn("4.2.1", 0, 1, "true"), null).ready()).isTrue();
    }

    @Test
    void aMissingCriuIsNotReady() throws IOException {
        CriuReadiness r = run(dir.resolve("no-such-criu"), null);
        assertThat(r.state()).isEqualTo(CriuReadiness.State.NOT_READY);
        assertThat(r.reason()).contains("cannot run");
    }

    @Test
    void versionsParse() {
        assertThat(CriuSelfCheck.parseVersion("Version: 4.2\nGitID: v4.2")).contains("4.2");
        assertThat(CriuSelfCheck.olderThan("4.1.1", 4, 2)).isTrue();
        assertThat(CriuSelfCheck.olderThan("4.2", 4, 2)).isFalse();
        assertThat(CriuSelfCheck.olderThan("", 4, 2)).isTrue();
    }
}
