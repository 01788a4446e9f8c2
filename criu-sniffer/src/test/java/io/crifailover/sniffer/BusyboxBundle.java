package io.crifailover.sniffer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** An OCI bundle whose rootfs is busybox-static, running a counter that writes /data/count every 100 ms. */
final class BusyboxBundle {
    private final Path dir;

    private BusyboxBundle(Path dir) {
        this.dir = dir;
    }

    static BusyboxBundle create(Path dir) throws IOException, InterruptedException {
        Path bin = Files.createDirectories(dir.resolve("rootfs/bin"));
        Files.createDirectories(dir.resolve("rootfs/data"));
        Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
        for (String applet : List.of("sh", "sleep", "cat", "echo")) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        Process p = new ProcessBuilder("runc", "spec", "--bundle", dir.toString())
                .inheritIO()
                .start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("runc spec failed");
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode config =
                (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        ObjectNode process = (ObjectNode) config.get("process");
        process.put("terminal", false);
        process.putArray("args")
                .add("/bin/sh")
                .add("-c")
                .add("i=0; while true; do i=$((i+1)); echo $i > /data/count; sleep 0.1; done");
        ((ObjectNode) config.get("root")).put("readonly", false);
        json.writeValue(dir.resolve("config.json").toFile(), config);
        return new BusyboxBundle(dir);
    }

    Path dir() {
        return dir;
    }

    /** The counter's last value, or -1 while the file is being rewritten. */
    long count() {
        try {
            return Long.parseLong(
                    Files.readString(dir.resolve("rootfs/data/count")).trim());
        } catch (IOException | NumberFormatException ex) {
            return -1;
        }
    }
}
