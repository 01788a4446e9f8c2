package io.crifailover.sniffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Turns sniffing on or off for the node: the launcher checks for the flag file on every CRIU
 * run, so no runtime restart is needed.
 */
public final class SniffSwitch {
    public static final Path DEFAULT_FLAG = Path.of("/run/cri-failover/sniff.enabled");
    private final Path flag;

    public SniffSwitch(Path flag) {
        this.flag = flag;
    }

    public boolean isOn() {
        return Files.exists(flag);
    }

    /** Creates the flag file (atomically, 0600; parent created 0755 so the launcher can see it). */
    public void on() throws IOException {
        Path parent = flag.toAbsolutePath().getParent();
        if (!Files.isDirectory(parent)) {
            Files.createDirectories(
                    parent, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        }
        Path tmp = Files.createTempFile(parent, ".sniff", ".tmp");
        Files.writeString(tmp, "on\n");
        Files.move(tmp, flag, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    public void off() throws IOException {
        Files.deleteIfExists(flag);
    }
}
