package io.crifailover.failover;

import io.crifailover.placement.NodeInfo;
import io.crifailover.placement.PlacementClient;
import io.crifailover.placement.RestoreDecision;
import io.crifailover.placement.Result;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's connection to the placement state machine. All calls go through one thread (the
 * client is serialised anyway), so a call hanging for want of a quorum never blocks a kubelet
 * call or the checkpoint workers. Every answered call renews the {@link SelfFence} lease, stamped
 * with the time the call was <em>sent</em>; a separate timer fences the node when the lease runs
 * out.
 */
public final class PlacementLink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PlacementLink.class);
    private static final Duration FAILURE_LOG_EVERY = Duration.ofSeconds(30);

    /** What this node tells placement about itself. */
    public record Self(
            String name,
            String address,
            String arch,
            List<String> cpuFlags,
            int capacity,
            boolean criuReady,
            io.crifailover.placement.Xsave xsave) {
        /** A node that says nothing about its CRIU (ready, xsave not measured). */
        public Self(String name, String address, String arch, List<String> cpuFlags, int capacity) {
            this(name, address, arch, cpuFlags, capacity, true, io.crifailover.placement.Xsave.UNKNOWN);
        }

        public Self withCriu(boolean ready, io.crifailover.placement.Xsave measured) {
            return new Self(name, address, arch, cpuFlags, capacity, ready, measured);
        }
    }

    private final PlacementClient client;
    private volatile Self self;
    private final SelfFence fence;
    private final Clock clock;
    private final Runnable onFence;
    private final java.util.function.BooleanSupplier isolated;
    private final ExecutorService calls = Executors.newSingleThreadExecutor(PeerProber.daemon("placement-calls"));
    private final ScheduledExecutorService timers =
            Executors.newScheduledThreadPool(1, PeerProber.daemon("placement-timers"));
    /** Peers this node's probes currently fail, and whether placement has accepted this node's vote. */
    private final Map<String, Boolean> suspected = new ConcurrentHashMap<>();

    private final Map<String, String> lastOutcome = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicBoolean periodicInFlight =
            new java.util.concurrent.atomic.AtomicBoolean();
    private volatile boolean registered;
    /** The last failure logged at WARN and when: the same failure again is logged at most every 30 s. */
    private String lastFailure = "";

    private Instant lastFailureLogged = Instant.MIN;
    private volatile int reportedLoad = -1;
    private volatile HeartbeatListener heartbeatListener = (c, sent, beat) -> {};

    /**
     * @param isolated whether this node's own probes currently reach too few peers to be part of a
     *     quorum; the lease fences only an isolated node
     */
    public PlacementLink(
            PlacementClient client,
            Self self,
            SelfFence fence,
            Clock clock,
            Runnable onFence,
            java.util.function.BooleanSupplier isolated) {
        this.client = client;
        this.self = self;
        this.fence = fence;
        this.clock = clock;
        this.onFence = onFence;
        this.isolated = isolated;
    }

    /**
     * Registers this node (retrying until a quorum answers), then every {@code heartbeat} sends a
     * heartbeat (which also brings a node declared failed back in a new epoch), reports its load
     * when it changed, and hands the restore decisions that target this node to {@code decisions};
     * the fence lease is checked every {@code heartbeat / 2}. While a periodic call is waiting for a
     * quorum no further periodic call is queued, so a cut-off node queues nothing without bound.
     */
    public PlacementLink start(Duration heartbeat, IntSupplier load, Consumer<List<RestoreDecision>> decisions) {
        timers.scheduleWithFixedDelay(
                () -> {
                    if (!periodicInFlight.compareAndSet(false, true)) {
                        return;
                    }
                    submit(c -> {
                        try {
                            if (!registered) {
                                register();
                                return;
                            }
                            Instant sent = clock.instant();
                            Result.Ack beat = c.heartbeat(self.name());
                            if (beat.outcome() == Result.Outcome.REJOINED) {
                                // placement had declared this node failed: its containers may run elsewhere now
                                LOG.warn("placement had declared {} failed ({}): fencing", self.name(), beat.detail());
                                fence.fenceOnce();
                                runFence();
                            }
                            tellHeartbeat(c, sent, beat);
                            int now = load.getAsInt();
                            if (now != reportedLoad) {
                                c.reportLoad(self.name(), now);
                                reportedLoad = now;
                            }
                            decisions.accept(c.decisions(self.name()));
                            suspected.forEach((peer, voted) -> {
                                if (!voted) {
                                    voteAgainst(c, peer);
                                }
                            });
                        } finally {
                            periodicInFlight.set(false);
                        }
                    });
                },
                0,
                heartbeat.toMillis(),
                TimeUnit.MILLISECONDS);
        timers.scheduleWithFixedDelay(
                this::checkFence, heartbeat.toMillis(), Math.max(10, heartbeat.toMillis() / 2), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Hands every answered heartbeat to {@code listener} (on the placement thread); set it before {@link #start}. */
    public PlacementLink onHeartbeat(HeartbeatListener listener) {
        this.heartbeatListener = listener;
        return this;
    }

    private void tellHeartbeat(PlacementClient c, Instant sent, Result.Ack beat) {
        try {
            heartbeatListener.answered(c, sent, beat);
        } catch (RuntimeException e) {
            LOG.warn("handling the heartbeat answer '{}' failed: {}", beat.detail(), e.toString());
        }
    }

    /**
     * Tells placement new facts about this node (its CRIU readiness and xsave facts once the self-check is done):
     * registered again with the next heartbeat.
     */
    public void announce(Self updated) {
        if (!updated.name().equals(self.name())) {
            throw new IllegalArgumentException("node " + self.name() + " cannot announce itself as " + updated.name());
        }
        self = updated;
        registered = false;
    }

    private void register() {
        Self s = self;
        Result.Ack ack = client.registerNode(
                s.name(), s.address(), s.arch(), s.cpuFlags(), s.capacity(), s.criuReady(), s.xsave());
        if (!ack.accepted()) {
            LOG.warn("placement refused to register {}: {}", self.name(), ack.detail());
            return;
        }
        registered = self == s;
        LOG.info(
                "registered {} with placement ({}), CRIU {}, xsave {}",
                s.name(),
                ack.detail(),
                s.criuReady() ? "ready" : "not ready",
                s.xsave());
    }

    /**
     * Reports a peer whose probes failed; the verdict is the state machine's. The vote is cast in
     * the peer's epoch current when it is sent, and sent again with every heartbeat until placement
     * accepts it (a vote lost to a leader change or cast before the peer registered is not lost), as
     * long as the peer stays suspected.
     */
    public void suspect(String peer) {
        suspected.put(peer, false);
        submit(c -> voteAgainst(c, peer));
    }

    /** A suspected peer answers probes again: no vote against it is sent any more. */
    public void cleared(String peer) {
        suspected.remove(peer);
        lastOutcome.remove(peer);
    }

    private void voteAgainst(PlacementClient c, String peer) {
        if (suspected.getOrDefault(peer, true)) {
            return;
        }
        long epoch = c.nodes().stream()
                .filter(n -> n.name().equals(peer))
                .mapToLong(NodeInfo::epoch)
                .findFirst()
                .orElse(0L);
        Result.SuspectOutcome outcome = c.suspect(self.name(), peer, epoch);
        if (outcome.accepted()) {
            suspected.replace(peer, false, true);
        }
        if (!outcome.detail().equals(lastOutcome.put(peer, outcome.detail()))) {
            LOG.info(
                    "suspected {} (epoch {}): {} votes, status {} ({})",
                    peer,
                    epoch,
                    outcome.votes(),
                    outcome.status(),
                    outcome.detail());
        }
    }

    /** Runs {@code call} against placement on the placement thread; failures are logged. */
    public void submit(PlacementCall call) {
        if (calls.isShutdown()) {
            return;
        }
        try {
            calls.execute(() -> {
                Instant sent = clock.instant();
                try {
                    call.run(client);
                    fence.quorumContact(sent);
                } catch (RuntimeException e) {
                    callFailed(e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            LOG.debug("placement link closed; call dropped");
        }
    }

    /** Runs on the placement thread only. */
    private void callFailed(RuntimeException e) {
        String why = e.toString();
        Instant now = clock.instant();
        if (!why.equals(lastFailure) || now.isAfter(lastFailureLogged.plus(FAILURE_LOG_EVERY))) {
            LOG.warn("placement call failed: {} (the same failure is logged again after 30 s)", why);
            lastFailure = why;
            lastFailureLogged = now;
        } else {
            LOG.debug("placement call failed: {}", why);
        }
    }

    private void checkFence() {
        if (fence.check(clock.instant(), registered, isolated.getAsBoolean())) {
            LOG.warn(
                    "no placement quorum for {} ms and too few peers answer probes: fencing this node's "
                            + "protected containers",
                    fence.timeout().toMillis());
            runFence();
        }
    }

    private void runFence() {
        try {
            onFence.run();
        } catch (RuntimeException e) {
            LOG.error("fencing failed: {}", e.toString());
        }
    }

    public boolean fenced() {
        return fence.isFenced();
    }

    /**
     * Runs {@code call} on the placement thread and waits for its answer at most {@code timeout}.
     *
     * @throws IllegalStateException when no quorum answered in time or the call failed
     */
    public <T> T call(java.util.function.Function<PlacementClient, T> call, Duration timeout) {
        java.util.concurrent.CompletableFuture<T> result = new java.util.concurrent.CompletableFuture<>();
        submit(c -> {
            try {
                result.complete(call.apply(c));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
                throw e;
            }
        });
        try {
            return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(
                    "placement call failed: " + e.getCause().getMessage(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("no placement quorum within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for placement", e);
        }
    }

    public String nodeName() {
        return self.name();
    }

    /** What this node tells placement about itself now. */
    public Self self() {
        return self;
    }

    /** The peers this node's probes currently suspect (what standby answers are cached against). */
    public java.util.Set<String> suspectedPeers() {
        return java.util.Set.copyOf(suspected.keySet());
    }

    /** Told each heartbeat answer, with the time its heartbeat was sent; may call placement with {@code client}. */
    @FunctionalInterface
    public interface HeartbeatListener {
        void answered(PlacementClient client, Instant sent, Result.Ack beat);
    }

    /** A call made with the placement client. */
    @FunctionalInterface
    public interface PlacementCall {
        void run(PlacementClient client);
    }

    @Override
    public void close() {
        timers.shutdownNow();
        calls.shutdownNow();
    }
}
