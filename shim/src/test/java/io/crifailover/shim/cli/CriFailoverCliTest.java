package io.crifailover.shim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.crifailover.shim.ShimConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CriFailoverCliTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = CriFailoverCli.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void topLevelHelpListsTheShimCommand() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("cri-failover").contains("shim").contains("--container-runtime-endpoint");
    }

    @Test
    void shimHelpExplainsEveryOptionWithDefaults() {
        assertThat(run("shim", "--help")).isZero();
        assertThat(out.toString())
                .contains(
                        "--listen",
                        "unix:///run/cri-failover/cri.sock",
                        "--runtime",
                        "unix:///run/containerd/containerd.sock",
                        "--metrics-address",
                        "127.0.0.1:9464",
                        "--max-message-size",
                        "64MiB",
                        "--allowed-uid",
                        "--allowed-gid",
                        "--drain-timeout",
                        "PERMISSION_DENIED",
                        "crictl");
    }

    @Test
    void optionsBecomeTheConfiguration() {
        ShimCommand shim = new ShimCommand();
        new CommandLine(shim)
                .parseArgs(
                        "--listen",
                        "unix:///tmp/x/cri.sock",
                        "--runtime",
                        "/run/crio/crio.sock",
                        "--metrics-address",
                        "none",
                        "--max-message-size",
                        "32MiB",
                        "--allowed-uid",
                        "1000",
                        "--allowed-gid",
                        "5",
                        "--drain-timeout",
                        "250ms");
        ShimConfig config = shim.config();

        assertThat(config.listen().path()).isEqualTo(Path.of("/tmp/x/cri.sock"));
        assertThat(config.runtime().path()).isEqualTo(Path.of("/run/crio/crio.sock"));
        assertThat(config.metricsAddress()).isNull();
        assertThat(config.maxMessageBytes()).isEqualTo(32 * 1024 * 1024);
        assertThat(config.peers().uids()).containsExactly(1000);
        assertThat(config.peers().gids()).containsExactly(5);
        assertThat(config.drainTimeout()).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void defaultsAreUsable() {
        ShimCommand shim = new ShimCommand();
        new CommandLine(shim).parseArgs();
        ShimConfig config = shim.config();

        assertThat(config.metricsAddress()).isEqualTo(new InetSocketAddress("127.0.0.1", 9464));
        assertThat(config.maxMessageBytes()).isEqualTo(64 * 1024 * 1024);
        assertThat(config.peers().allowRoot()).isTrue();
    }

    @Test
    void badValuesAreRejectedWithAClearMessage() {
        assertThat(run("shim", "--runtime", "tcp://1.2.3.4:5")).isEqualTo(2);
        assertThat(err.toString()).contains("--runtime").contains("only unix:///path");

        assertThat(run("shim", "--max-message-size", "lots")).isEqualTo(2);
        assertThat(err.toString()).contains("expected a size like");

        assertThat(run("shim", "--max-message-size", "1MiB", "--listen", "/tmp/none/a.sock"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("at least 16 MiB");
    }
}
