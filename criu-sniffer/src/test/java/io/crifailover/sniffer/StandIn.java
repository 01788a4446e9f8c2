package io.crifailover.sniffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * The criu stand-in installed into a test directory: bin/criu is the launcher from
 * src/main/dist, its config points at target/classes plus the runtime classpath Maven wrote,
 * and the flag file, capture dir and real CRIU are per test.
 */
final class StandIn {
    private final Path home;

    private StandIn(Path home) {
        this.home = home;
    }

    static StandIn install(Path home, String realCriu) throws IOException {
        Path module = Path.of(System.getProperty("user.dir"));
        Path bin = Files.createDirectories(home.resolve("bin"));
        Files.copy(module.resolve("src/main/dist/criu"), bin.resolve("criu"));
        Files.setPosixFilePermissions(bin.resolve("criu"), PosixFilePermissions.fromString("rwxr-xr-x"));
        String classpath = module.resolve("target/classes") + ":"
                + Files.readString(module.resolve("target/classpath.txt")).trim();
        Files.writeString(
                home.resolve("sniffer.conf"),
                String.join(
                        "\n",
                        "REAL_CRIU=" + realCriu,
                        "SNIFF_FLAG=" + home.resolve("sniff.enabled"),
                        "SNIFFER_HOME=" + home,
                        "SNIFFER_CLASSPATH='" + classpath + "'",
                        "CAPTURE_DIR=" + home.resolve("captures"),
                        "JAVA=" + Path.of(System.getProperty("java.home"), "bin", "java"),
                        ""));
        return new StandIn(home);
    }

    Path home() {
        return home;
    }

    Path captures() {
        return home.resolve("captures");
    }

    SniffSwitch sniffSwitch() {
        return new SniffSwitch(home.resolve("sniff.enabled"));
    }

    /** Environment for the runtime: the stand-in first on PATH, and its config. */
    Map<String, String> env() {
        return Map.of(
                "PATH",
                home.resolve("bin") + ":" + System.getenv("PATH"),
                "CRI_FAILOVER_SNIFFER_CONF",
                home.resolve("sniffer.conf").toString());
    }
}
