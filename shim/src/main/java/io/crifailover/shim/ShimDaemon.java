package io.crifailover.shim;

import io.crifailover.shim.intercept.InterceptorLanes;
import io.crifailover.shim.intercept.InterceptorRegistry;
import io.crifailover.shim.metrics.CallMetrics;
import io.crifailover.shim.metrics.MetricsHttpServer;
import io.crifailover.shim.metrics.MetricsToken;
import io.crifailover.shim.transport.BrokenConnectionLog;
import io.crifailover.shim.transport.EventLoops;
import io.crifailover.shim.transport.InheritedSocket;
import io.crifailover.shim.transport.ListenFds;
import io.crifailover.shim.transport.RuntimeChannel;
import io.crifailover.shim.transport.UnixSocketServer;
import io.grpc.ConnectivityState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running shim: kubelet's socket, the runtime channel, interceptors and metrics, wired
 * together. Forwarding runs on the Netty I/O threads; request interceptors run on their lanes (a
 * quick pool, and threads of their own for calls that wait) and observers on a bounded observer
 * queue, so none of them ever blocks I/O or another call.
 */
public final class ShimDaemon implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ShimDaemon.class);
    private static final int OBSERVER_QUEUE = 10_000;

    private final ShimConfig config;
    private final EventLoops loops;
    private final RuntimeChannel runtime;
    private final UnixSocketServer server;
    private final MetricsHttpServer metricsServer;
    private final PrometheusMeterRegistry meterRegistry;
    private final InterceptorRegistry interceptors;
    private final InterceptorLanes lanes;
    private final ExecutorService observerPool;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch terminated = new CountDownLatch(1);

    private ShimDaemon(
            ShimConfig config,
            EventLoops loops,
            RuntimeChannel runtime,
            UnixSocketServer server,
            MetricsHttpServer metricsServer,
            PrometheusMeterRegistry meterRegistry,
            InterceptorRegistry interceptors,
            InterceptorLanes lanes,
            ExecutorService observerPool) {
        this.config = config;
        this.loops = loops;
        this.runtime = runtime;
        this.server = server;
        this.metricsServer = metricsServer;
        this.meterRegistry = meterRegistry;
        this.interceptors = interceptors;
        this.lanes = lanes;
        this.observerPool = observerPool;
    }

    /**
     * Starts serving; returns once the socket accepts connections. Serves on the listening socket a
     * service manager passed to this process ({@code LISTEN_PID}/{@code LISTEN_FDS}, systemd socket
     * activation) if there is one, else binds {@code config.listen()}.
     */
    public static ShimDaemon start(ShimConfig config) throws IOException {
        Optional<ListenFds.Selection> passed;
        try {
            passed = ListenFds.fromEnvironment();
        } catch (IllegalArgumentException e) {
            throw new IOException("socket activation: " + e.getMessage(), e);
        }
        if (passed.isPresent()) {
            ListenFds.clearFromEnvironment();
        }
        return start(config, passed.orElse(null));
    }

    /**
     * Starts serving on the passed socket {@code passed} (null: bind {@code config.listen()}); returns
     * once the socket accepts connections.
     */
    public static ShimDaemon start(ShimConfig config, ListenFds.Selection passed) throws IOException {
        InheritedSocket inherited = null;
        if (passed != null) {
            inherited = InheritedSocket.take(passed.fd());
            if (inherited.path() != null
                    && !inherited.path().equals(config.listen().path())) {
                LOG.warn(
                        "the socket passed by the service manager is {}, not --listen {}; serving on the passed one",
                        inherited.path(),
                        config.listen());
            }
        }
        BrokenConnectionLog.install();
        PrometheusMeterRegistry meterRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmThreadMetrics().bindTo(meterRegistry);
        CallMetrics metrics = new CallMetrics(meterRegistry);
        InterceptorLanes lanes = InterceptorLanes.create();
        ExecutorService observerPool = new ThreadPoolExecutor(
                1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(OBSERVER_QUEUE), daemonThreads("cri-observe"));
        InterceptorRegistry interceptors = new InterceptorRegistry(lanes, observerPool, metrics);
        EventLoops loops = EventLoops.create(config.ioThreads());
        RuntimeChannel runtime = null;
        UnixSocketServer server = null;
        try {
            runtime = RuntimeChannel.open(
                    config.runtime(),
                    loops,
                    config.maxMessageBytes(),
                    config.maxMetadataBytes(),
                    config.reconnectInterval());
            ForwardingCallHandler handler = new ForwardingCallHandler(
                    runtime.channel(),
                    interceptors,
                    metrics,
                    config.interceptDeadline(),
                    new MemoryTrim(loops.workers()));
            UnixSocketServer.Settings settings = new UnixSocketServer.Settings(
                    new ForwardingHandlerRegistry(handler),
                    config.peers(),
                    config.maxMessageBytes(),
                    config.maxMetadataBytes());
            server = inherited == null
                    ? UnixSocketServer.start(config.listen().path(), settings, loops)
                    : UnixSocketServer.adopt(inherited, config.listen().path(), settings, loops);
            Instant ready = Instant.now();
            RuntimeChannel connected = runtime;
            Gauge.builder("cri.shim.runtime.up", () -> connected.state(false) == ConnectivityState.READY ? 1 : 0)
                    .description("1 while the connection to the runtime is ready, else 0")
                    .register(meterRegistry);
            runtime.state(true);
            MetricsHttpServer metricsServer = config.metricsAddress() == null
                    ? null
                    : MetricsHttpServer.start(
                            config.metricsAddress(), meterRegistry, MetricsToken.create(config.metricsTokenFile()));
            ShimDaemon daemon = new ShimDaemon(
                    config, loops, runtime, server, metricsServer, meterRegistry, interceptors, lanes, observerPool);
            daemon.logStarted(
                    ready,
                    inherited == null
                            ? "bound by the shim"
                            : "socket activation, " + passed + " by the service manager");
            return daemon;
        } catch (IOException | RuntimeException e) {
            if (server != null) {
                server.close();
            }
            if (runtime != null) {
                runtime.close();
            }
            loops.close();
            lanes.close();
            observerPool.shutdownNow();
            throw e;
        }
    }

    private void logStarted(Instant ready, String mode) {
        String sinceJvm = ProcessHandle.current()
                .info()
                .startInstant()
                .map(start -> Duration.between(start, ready).toMillis() + " ms after process start")
                .orElse("(process start time unknown)");
        LOG.info(
                "serving unix://{} ({}) -> {}; socket ready {}{}",
                server.socket(),
                mode,
                config.runtime(),
                sinceJvm,
                metricsServer == null
                        ? ""
                        : "; metrics on http://" + hostPort(metricsServer.address()) + "/metrics (bearer token in "
                                + config.metricsTokenFile() + ")");
    }

    /** Where typed interceptors are plugged in; may be used while running. */
    public InterceptorRegistry interceptors() {
        return interceptors;
    }

    /** Serves {@code body()} as JSON at {@code path} on the metrics endpoint, when one is configured. */
    public void addStatusPage(String path, java.util.function.Supplier<byte[]> body) {
        if (metricsServer != null) {
            metricsServer.addJsonPage(path, body);
        }
    }

    /** The channel to the real runtime, for the shim's own calls (checkpoints, restores). */
    public io.grpc.Channel runtimeChannel() {
        return runtime.channel();
    }

    public PrometheusMeterRegistry meterRegistry() {
        return meterRegistry;
    }

    public Path socket() {
        return server.socket();
    }

    /** Bound address of the metrics endpoint, or null when disabled. */
    public InetSocketAddress metricsAddress() {
        return metricsServer == null ? null : metricsServer.address();
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    /** Drains calls in flight (bounded by the drain timeout), removes the socket, releases everything. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        LOG.info(
                "shutting down; draining calls for up to {} ms",
                config.drainTimeout().toMillis());
        try {
            server.shutdown(config.drainTimeout());
            runtime.close();
            if (metricsServer != null) {
                metricsServer.close();
            }
            lanes.close();
            observerPool.shutdown();
            loops.close();
            meterRegistry.close();
            LOG.info(
                    server.ownsSocketFile()
                            ? "stopped; socket {} removed"
                            : "stopped; socket {} left to the service manager",
                    server.socket());
        } finally {
            terminated.countDown();
        }
    }

    private static String hostPort(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
