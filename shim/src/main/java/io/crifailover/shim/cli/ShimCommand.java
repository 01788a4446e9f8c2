package io.crifailover.shim.cli;

import io.crifailover.shim.ShimConfig;
import io.crifailover.shim.ShimDaemon;
import io.crifailover.shim.transport.PeerPolicy;
import io.crifailover.shim.transport.UnixEndpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cri-failover shim}: runs the CRI proxy in the foreground until SIGTERM or SIGINT. */
@Command(
        name = "shim",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        usageHelpWidth = 100,
        description = {
            "Run the CRI proxy between kubelet and the container runtime.",
            "",
            "Serves the CRI API on --listen and forwards every call, unchanged, to the runtime",
            "on --runtime. Runs in the foreground; SIGTERM or Ctrl-C drains calls in flight,",
            "removes the socket and exits. Started by systemd socket activation (LISTEN_PID,",
            "LISTEN_FDS), it serves on the passed socket instead and leaves that file to systemd.",
            "",
            "Typical use (as root):",
            "  1. cri-failover shim --runtime unix:///run/containerd/containerd.sock",
            "  2. check it:  crictl --runtime-endpoint unix:///run/cri-failover/cri.sock version",
            "  3. start kubelet with",
            "       --container-runtime-endpoint=unix:///run/cri-failover/cri.sock",
            "",
            "Options:"
        },
        footer = {
            "",
            "Only root and the --allowed-uid/--allowed-gid peers may call the socket; others get",
            "PERMISSION_DENIED. While the runtime is down, calls fail at once with UNAVAILABLE",
            "and the shim reconnects by itself.",
            "Metrics: curl http://127.0.0.1:9464/metrics"
        })
public final class ShimCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Mixin
    FailoverOptions failover;

    @Option(
            names = "--sniffer-socket",
            paramLabel = "PATH",
            description = "Also serve the criu-sniffer's debug stream (recent history, then live decoded runc<->CRIU "
                    + "messages) on this root-only unix socket, e.g. /run/cri-failover/sniffer.sock; read it with "
                    + "'cri-failover sniff tail'. Default: off.")
    java.nio.file.Path snifferSocket;

    @Option(
            names = "--sniffer-captures",
            paramLabel = "DIR",
            defaultValue = io.crifailover.sniffer.SnifferSettings.DEFAULT_CAPTURE_DIR,
            description = "The criu-sniffer's capture directory. Default: ${DEFAULT-VALUE}")
    java.nio.file.Path snifferCaptures;

    @Option(
            names = "--listen",
            paramLabel = "ENDPOINT",
            converter = Converters.Endpoint.class,
            defaultValue = "unix:///run/cri-failover/cri.sock",
            description =
                    "Socket kubelet connects to (created 0660, parent directory created 0750, a stale "
                            + "socket from an earlier run is replaced); not bound when systemd passes a socket. Default: ${DEFAULT-VALUE}")
    UnixEndpoint listen;

    @Option(
            names = "--runtime",
            paramLabel = "ENDPOINT",
            converter = Converters.Endpoint.class,
            defaultValue = "unix:///run/containerd/containerd.sock",
            description = "Socket of the real runtime (containerd or CRI-O, e.g. unix:///var/run/crio/crio.sock). "
                    + "Default: ${DEFAULT-VALUE}")
    UnixEndpoint runtime;

    @Option(
            names = "--metrics-address",
            paramLabel = "HOST:PORT",
            converter = Converters.HostPort.class,
            defaultValue = "127.0.0.1:9464",
            description = "Serve Prometheus metrics at http://HOST:PORT/metrics; 'none' disables. "
                    + "Default: ${DEFAULT-VALUE}")
    InetSocketAddress metricsAddress;

    @Option(
            names = "--max-message-size",
            paramLabel = "SIZE",
            converter = Converters.ByteSize.class,
            defaultValue = "64MiB",
            description = "Largest message relayed in either direction, at least 16MiB (kubelet's limit). "
                    + "Default: ${DEFAULT-VALUE}")
    int maxMessageBytes;

    @Option(
            names = "--allowed-uid",
            paramLabel = "UID",
            description = "Also allow this user id besides root (repeatable).")
    List<Integer> allowedUids = List.of();

    @Option(
            names = "--allowed-gid",
            paramLabel = "GID",
            description = "Also allow peers whose primary group is this id (repeatable).")
    List<Integer> allowedGids = List.of();

    @Option(
            names = "--drain-timeout",
            paramLabel = "DURATION",
            converter = Converters.DurationValue.class,
            defaultValue = "5s",
            description = "On shutdown, how long calls in flight may finish before they are cancelled. "
                    + "Default: ${DEFAULT-VALUE}")
    Duration drainTimeout;

    @Option(
            names = "--reconnect-interval",
            paramLabel = "DURATION",
            converter = Converters.DurationValue.class,
            defaultValue = "250ms",
            description = "How often an unreachable runtime is dialled again. Default: ${DEFAULT-VALUE}")
    Duration reconnectInterval;

    @Option(
            names = "--io-threads",
            paramLabel = "N",
            defaultValue = "1",
            description = "Netty I/O threads; 0 means two per CPU core. One thread serves both sides "
                    + "of a call without thread hand-offs, which is fastest for kubelet's load. "
                    + "Default: ${DEFAULT-VALUE}")
    int ioThreads;

    /** The configuration these options describe. */
    ShimConfig config() {
        return new ShimConfig(
                listen,
                runtime,
                metricsAddress,
                maxMessageBytes,
                ShimConfig.DEFAULT_MAX_METADATA_BYTES,
                PeerPolicy.rootAnd(new HashSet<>(allowedUids), new HashSet<>(allowedGids)),
                drainTimeout,
                reconnectInterval,
                ioThreads,
                ShimConfig.DEFAULT_INTERCEPT_DEADLINE);
    }

    @Override
    public Integer call() throws InterruptedException {
        ShimConfig config;
        java.util.Optional<io.crifailover.failover.FailoverConfig> failoverConfig;
        io.crifailover.failover.CriuOptions criuOptions;
        try {
            config = config();
            failoverConfig = failover.config();
            criuOptions = failover.criuOptions();
        } catch (IllegalArgumentException | IOException e) {
            spec.commandLine().getErr().println("cri-failover shim: " + e.getMessage());
            return 2;
        }
        ShimDaemon daemon;
        try {
            daemon = ShimDaemon.start(config);
        } catch (IOException | RuntimeException e) {
            spec.commandLine().getErr().println("cri-failover shim: cannot start: " + e.getMessage());
            return 1;
        }
        io.crifailover.failover.FailoverNode node =
                failoverConfig.map(c -> startFailover(c, criuOptions, daemon)).orElse(null);
        io.crifailover.sniffer.DebugServer sniffer = snifferSocket == null ? null : startSnifferStream();
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            if (sniffer != null) {
                                try {
                                    sniffer.close();
                                } catch (IOException e) {
                                    org.slf4j.LoggerFactory.getLogger(ShimCommand.class)
                                            .warn("closing the sniffer socket: {}", e.toString());
                                }
                            }
                            if (node != null) {
                                node.close();
                            }
                            daemon.close();
                        },
                        "shim-shutdown"));
        daemon.awaitTermination();
        return 0;
    }

    /** Serves the sniffer's debug stream; a failure is logged and the shim goes on proxying. */
    private io.crifailover.sniffer.DebugServer startSnifferStream() {
        try {
            return io.crifailover.sniffer.DebugServer.start(
                    snifferSocket,
                    new io.crifailover.sniffer.CaptureStore(snifferCaptures),
                    io.crifailover.sniffer.DebugServer.Options.defaults());
        } catch (IOException | RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(ShimCommand.class)
                    .error("sniffer stream NOT served on {}: {}", snifferSocket, e.toString());
            return null;
        }
    }

    /**
     * Starts checkpointing and failover once the socket serves kubelet. If that fails the shim
     * keeps proxying (kubelet first) and says why.
     */
    private io.crifailover.failover.FailoverNode startFailover(
            io.crifailover.failover.FailoverConfig c,
            io.crifailover.failover.CriuOptions criuOptions,
            ShimDaemon daemon) {
        try {
            io.crifailover.failover.FailoverNode node = io.crifailover.failover.FailoverNode.start(
                    c, daemon.runtimeChannel(), daemon.meterRegistry(), criuOptions);
            io.crifailover.shim.failover.FailoverInterceptors.register(daemon.interceptors(), node);
            daemon.addStatusPage("/status", node::statusJson);
            return node;
        } catch (IOException | RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(ShimCommand.class)
                    .error("checkpointing and failover NOT running, the shim only proxies: {}", e.toString(), e);
            return null;
        }
    }
}
