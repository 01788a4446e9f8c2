package io.crifailover.placement;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Architecture and CPU flags of this machine, as the placement state machine compares them: the {@code flags}
 * line of /proc/cpuinfo on x86, the {@code Features} line on ARM.
 *
 * @param arch  architecture in kernel naming ({@code x86_64}, {@code aarch64})
 * @param flags sorted, duplicate-free flags
 */
public record CpuInfo(String arch, List<String> flags) {
    public CpuInfo {
        flags = Flags.canonical(flags);
    }

    /** Reads /proc/cpuinfo of this machine. */
    public static CpuInfo local() throws IOException {
        return parse(kernelArch(System.getProperty("os.arch")), Files.readString(Path.of("/proc/cpuinfo")));
    }

    /** Parses cpuinfo text; the flags of the first processor are taken (Linux reports them per processor). */
    public static CpuInfo parse(String arch, String cpuinfo) {
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            if (key.equals("flags") || key.equals("features")) {
                String value = line.substring(colon + 1).trim();
                return new CpuInfo(arch, value.isEmpty() ? List.of() : Arrays.asList(value.split("\\s+")));
            }
        }
        throw new IllegalArgumentException("cpuinfo has no 'flags' or 'Features' line");
    }

    /** Kernel name of a Java {@code os.arch}. */
    public static String kernelArch(String javaArch) {
        return switch (javaArch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> javaArch;
        };
    }
}
