package io.crifailover.shim;

import io.crifailover.shim.transport.UnixEndpoint;
import io.crifailover.testsupport.ContainerdNode;
import io.crifailover.testsupport.CriClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/** A shim in front of a real containerd node, with a CRI client for each path. */
final class ShimUnderTest implements AutoCloseable {

    final ContainerdNode node;
    final ShimDaemon shim;
    final CriClient direct;
    final CriClient viaShim;
    private final Path dir;

    private ShimUnderTest(ContainerdNode node, ShimDaemon shim, Path dir) {
        this.node = node;
        this.shim = shim;
        this.dir = dir;
        this.direct = node.cri();
        this.viaShim = node.criClientFor("unix://" + shim.socket());
    }

    static ShimUnderTest start(String name) throws IOException {
        ContainerdNode node = ContainerdNode.start(name);
        try {
            Path dir = Files.createTempDirectory(Path.of("/tmp"), "shim-");
            ShimDaemon shim = ShimDaemon.start(
                    ShimConfig.of(new UnixEndpoint(dir.resolve("run/cri.sock")), new UnixEndpoint(node.socket()))
                            .withMetricsAddress(new InetSocketAddress("127.0.0.1", 0)));
            return new ShimUnderTest(node, shim, dir);
        } catch (IOException | RuntimeException e) {
            node.close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            viaShim.close();
            shim.close();
        } finally {
            node.close();
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }
}
