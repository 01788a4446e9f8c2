package io.crifailover.installer;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** How the installer reaches the host's systemctl: the {@code --host-exec} option. */
public enum HostExec {
    /** {@code nsenter -t 1 ...}: needs {@code hostPID: true} (the DaemonSet's default). */
    NSENTER,
    /** {@code chroot HOSTROOT ...}. */
    CHROOT,
    /** Run directly: the installer itself runs on the host with {@code --host-root /}. */
    DIRECT,
    /** Only log the commands (dry run, or hosts whose services are managed otherwise). */
    NONE;

    private static final Logger LOG = LoggerFactory.getLogger(HostExec.class);

    /** Parses the option value in any case ({@code nsenter}, {@code NSENTER}). */
    static final class Converter implements CommandLine.ITypeConverter<HostExec> {
        @Override
        public HostExec convert(String value) {
            try {
                return HostExec.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(
                        "expected nsenter, chroot, direct or none, got '" + value + "'");
            }
        }
    }

    HostCommands commands(Path hostRoot) {
        return switch (this) {
            case NSENTER -> ProcessHostCommands.nsenter();
            case CHROOT -> ProcessHostCommands.chroot(hostRoot);
            case DIRECT -> ProcessHostCommands.direct();
            case NONE -> (List<String> argv) -> LOG.info("would run on the host: {}", String.join(" ", argv));
        };
    }
}
