package io.crifailover.shim;

import io.crifailover.shim.metrics.MetricsToken;
import io.crifailover.shim.transport.PeerPolicy;
import io.crifailover.shim.transport.UnixEndpoint;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Settings of the shim daemon.
 *
 * @param listen socket kubelet connects to
 * @param runtime socket of the real container runtime
 * @param metricsAddress where {@code /metrics} is served, or null for no metrics endpoint; its token is in
 *     {@link #metricsTokenFile()}
 * @param maxMessageBytes largest message accepted in either direction
 * @param maxMetadataBytes largest header/trailer block accepted in either direction
 * @param peers who may use the listening socket
 * @param drainTimeout how long shutdown waits for calls in flight
 * @param reconnectInterval how often a lost runtime is re-dialled
 * @param ioThreads Netty I/O threads, 0 for Netty's default (two per core)
 * @param interceptDeadline longest an intercepted call may take in the shim and the runtime
 *     together; shorter than kubelet's runtime request timeout (2 min), so kubelet always gets the
 *     shim's answer rather than its own timeout
 */
public record ShimConfig(
        UnixEndpoint listen,
        UnixEndpoint runtime,
        InetSocketAddress metricsAddress,
        int maxMessageBytes,
        int maxMetadataBytes,
        PeerPolicy peers,
        Duration drainTimeout,
        Duration reconnectInterval,
        int ioThreads,
        Duration interceptDeadline) {

    /** 64 MiB: four times kubelet's own 16 MiB limit, so the shim is never the narrower pipe. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
    /** 1 MiB of headers/trailers, enough for large grpc-status-details-bin payloads. */
    public static final int DEFAULT_MAX_METADATA_BYTES = 1024 * 1024;
    /** kubelet's default {@code --runtime-request-timeout}. */
    public static final Duration KUBELET_REQUEST_TIMEOUT = Duration.ofMinutes(2);
    /** 110 s: ten seconds short of kubelet's default runtime request timeout. */
    public static final Duration DEFAULT_INTERCEPT_DEADLINE = Duration.ofSeconds(110);

    public ShimConfig {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(peers, "peers");
        if (listen.path().equals(runtime.path())) {
            throw new IllegalArgumentException("--listen and --runtime are the same socket: " + listen);
        }
        if (maxMessageBytes < 16 * 1024 * 1024) {
            throw new IllegalArgumentException(
                    "max message size must be at least 16 MiB (kubelet's limit), got " + maxMessageBytes + " bytes");
        }
        if (maxMetadataBytes < 8 * 1024) {
            throw new IllegalArgumentException("max metadata size must be at least 8 KiB, got " + maxMetadataBytes);
        }
        if (drainTimeout.isNegative() || reconnectInterval.isNegative() || reconnectInterval.isZero()) {
            throw new IllegalArgumentException("drain timeout must be >= 0 and reconnect interval > 0");
        }
        if (interceptDeadline.isNegative()
                || interceptDeadline.isZero()
                || interceptDeadline.compareTo(KUBELET_REQUEST_TIMEOUT) >= 0) {
            throw new IllegalArgumentException(
                    "intercept deadline must be > 0 and shorter than kubelet's 2 min, got " + interceptDeadline);
        }
        if (ioThreads < 0) {
            throw new IllegalArgumentException("io threads must be >= 0, got " + ioThreads);
        }
    }

    /** The metrics endpoint's token (0600, fresh at every start): beside the listening socket, in a root-only directory. */
    public java.nio.file.Path metricsTokenFile() {
        return listen.path().toAbsolutePath().resolveSibling(MetricsToken.FILE_NAME);
    }

    /** Defaults for everything but the two sockets: no metrics endpoint, root-only access. */
    public static ShimConfig of(UnixEndpoint listen, UnixEndpoint runtime) {
        return new ShimConfig(
                listen,
                runtime,
                null,
                DEFAULT_MAX_MESSAGE_BYTES,
                DEFAULT_MAX_METADATA_BYTES,
                PeerPolicy.rootAnd(Set.of(), Set.of()),
                Duration.ofSeconds(5),
                Duration.ofMillis(250),
                1,
                DEFAULT_INTERCEPT_DEADLINE);
    }

    public ShimConfig withMetricsAddress(InetSocketAddress address) {
        return new ShimConfig(
                listen,
                runtime,
                address,
                maxMessageBytes,
                maxMetadataBytes,
                peers,
                drainTimeout,
                reconnectInterval,
                ioThreads,
                interceptDeadline);
    }

    public ShimConfig withPeers(PeerPolicy policy) {
        return new ShimConfig(
                listen,
                runtime,
                metricsAddress,
                maxMessageBytes,
                maxMetadataBytes,
                policy,
                drainTimeout,
                reconnectInterval,
                ioThreads,
                interceptDeadline);
    }

    public ShimConfig withDrainTimeout(Duration drain) {
        return new ShimConfig(
                listen,
                runtime,
                metricsAddress,
                maxMessageBytes,
                maxMetadataBytes,
                peers,
                drain,
                reconnectInterval,
                ioThreads,
                interceptDeadline);
    }

    public ShimConfig withInterceptDeadline(Duration deadline) {
        return new ShimConfig(
                listen,
                runtime,
                metricsAddress,
                maxMessageBytes,
                maxMetadataBytes,
                peers,
                drainTimeout,
                reconnectInterval,
                ioThreads,
                deadline);
    }
}
