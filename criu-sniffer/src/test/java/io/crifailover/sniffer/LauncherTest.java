package io.crifailover.sniffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shell launcher's decisions, with a fake "real CRIU" that reports how it was started. */
@Tag("integration")
class LauncherTest {
    @TempDir
    Path tmp;

    private StandIn standIn;

    @BeforeEach
    void setUp() throws Exception {
        Path fake = tmp.resolve("fake-criu");
        Files.writeString(fake, "#!/bin/sh\necho \"pid=$$ argv=$*\"\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        standIn = StandIn.install(tmp.resolve("standin"), fake.toString());
    }

    private String[] runStandIn(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(
                List.of(standIn.home().resolve("bin/criu").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(standIn.env());
        Process p = pb.start();
        try {
            String out = new String(p.getInputStream().readAllBytes()).trim();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            return new String[] {out, Long.toString(p.pid()), Integer.toString(p.exitValue())};
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void whenOffTheRealCriuIsExecedInPlaceWithTheSameArgv() throws Exception {
        String[] r = runStandIn("swrk", "3");
        assertThat(r[0]).isEqualTo("pid=" + r[1] + " argv=swrk 3");
        assertThat(Files.exists(standIn.captures())).isFalse();
    }

    @Test
    void whenOnOnlyRpcModeIsSniffed() throws Exception {
        standIn.sniffSwitch().on();
        String[] r = runStandIn("check", "--all");
        assertThat(r[0]).isEqualTo("pid=" + r[1] + " argv=check --all");
    }

    @Test
    void refusesARealCriuThatIsTheStandInItself() throws Exception {
        Path conf = standIn.home().resolve("sniffer.conf");
        Files.writeString(
                conf, Files.readString(conf) + "REAL_CRIU=" + standIn.home().resolve("bin/criu") + "\n");
        String[] r = runStandIn("swrk", "3");
        assertThat(r[2]).isEqualTo("1");
        assertThat(r[0]).contains("points at the stand-in itself");
    }
}
