package io.crifailover.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.crifailover.protos.cri.RuntimeServiceGrpc;
import io.crifailover.protos.cri.VersionRequest;
import io.crifailover.shim.transport.BrokenConnectionLog;
import io.crifailover.shim.transport.UnixEndpoint;
import io.grpc.ManagedChannel;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Malformed connections cost at most one log line per interval and do not disturb good ones. */
class BrokenConnectionTest {

    private static final int BAD_CONNECTIONS = 300;

    @TempDir
    Path dir;

    @Test
    void manyMalformedConnectionsWriteAtMostOneLinePerInterval() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(BrokenConnectionLog.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        try (FakeRuntime runtime = new FakeRuntime(dir.resolve("runtime.sock")).start();
                ShimDaemon shim = ShimDaemon.start(
                        ShimConfig.of(new UnixEndpoint(dir.resolve("shim.sock")), new UnixEndpoint(runtime.socket)))) {
            long start = System.nanoTime();
            for (int i = 0; i < BAD_CONNECTIONS; i++) {
                try (SocketChannel bad = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    bad.connect(UnixDomainSocketAddress.of(shim.socket()));
                    bad.write(ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
                    bad.read(ByteBuffer.allocate(1024)); // until the shim closes it
                }
            }
            long elapsed = System.nanoTime() - start;

            await().atMost(Duration.ofSeconds(10)).until(() -> !lines.list.isEmpty());
            long intervals = 1 + elapsed / BrokenConnectionLog.INTERVAL.toNanos();
            assertThat(lines.list.size()).isLessThanOrEqualTo((int) intervals + 1);
            assertThat(lines.list.get(0).getFormattedMessage())
                    .startsWith("broken connection on the CRI socket closed: ")
                    .doesNotContain("\n");
            ManagedChannel good = UnixChannels.open(shim.socket());
            try {
                assertThat(RuntimeServiceGrpc.newBlockingStub(good)
                                .withDeadlineAfter(10, TimeUnit.SECONDS)
                                .version(VersionRequest.getDefaultInstance())
                                .getRuntimeName())
                        .isEqualTo("fake");
            } finally {
                UnixChannels.close(good);
            }
        } finally {
            logger.detachAppender(lines);
        }
    }
}
