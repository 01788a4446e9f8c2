package io.crifailover.placement;

import bftsmart.reconfiguration.util.TOMConfiguration;
import bftsmart.reconfiguration.views.FileSystemViewStorage;
import bftsmart.tom.ServiceReplica;
import bftsmart.tom.server.defaultservices.DefaultReplier;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one BFT-SMaRt replica of the placement service from a directory written by {@link ClusterConfigWriter}, in
 * the calling process, which should be the replica's own ({@link PlacementReplicaCommand}, supervised by {@link
 * ReplicaProcess}). The view is stored in that directory (never under the working directory). A {@link
 * ReplicaWatchdog} runs with the replica and withdraws leader changes that no quorum joined. The replica's threads
 * live in their own thread group, sampled by a {@link ReplicaWedgeDetector} from before the library starts: a thread
 * wedged by the library's decide-before-PROPOSE fault, a dead message loop, or a connect or handshake blocked past
 * its bound is handed to the {@code onWedged} callback once (the command reports it and ends the process; the
 * supervisor starts a fresh one, which catches up by state transfer). Connects to the other replicas are bounded by
 * {@link BoundedConnectSelector}. The replica authenticates with its member's key (never the library's built-in
 * pair), and its replica-to-replica port is rebound to its cluster address ({@link ReplicaPortBinder}).
 */
public final class PlacementReplicaServer implements AutoCloseable {
    static final Duration WEDGED_AFTER = Duration.ofSeconds(2);
    /** How long another replica's port has to accept a connection before the library's connect to it fails. */
    static final Duration CONNECT_WITHIN = Duration.ofSeconds(1);
    /** A connect or handshake blocked this long (past the checks) ends the replica's process. */
    static final Duration BLOCKED_AFTER = Duration.ofSeconds(15);
    /** How long the library may take to open its replica-to-replica listener. */
    private static final Duration LISTENER_WITHIN = Duration.ofSeconds(60);

    private static final Logger LOG = LoggerFactory.getLogger(PlacementReplicaServer.class);

    private final int id;
    private final ThreadGroup threads;
    private final Consumer<String> onWedged;
    private final ReplicaWedgeDetector wedges = new ReplicaWedgeDetector(WEDGED_AFTER, BLOCKED_AFTER);
    private final AtomicBoolean wedgeReported = new AtomicBoolean();
    private final ScheduledExecutorService wedgeCheck = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "placement-replica-wedge-check");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean started;
    private ServiceReplica replica;
    private PlacementReplica service;
    private ReplicaWatchdog watchdog;
    private AutoCloseable connectBound;

    /** Builds the service of a replica. */
    @FunctionalInterface
    public interface ReplicaFactory {
        PlacementReplica create(int f, MemberKeys members);
    }

    private PlacementReplicaServer(int id, Consumer<String> onWedged) {
        this.id = id;
        this.threads = new ThreadGroup("placement-replica-" + id);
        this.onWedged = onWedged;
    }

    /**
     * Starts replica {@code id} with the default service and returns once the library has started it.
     * {@code configDir} must hold this member's private key ({@link ClusterConfigWriter#writePrivateKey}).
     * {@code onWedged} gets the reason, once, when the replica is wedged; it should end the process.
     */
    public static PlacementReplicaServer start(int id, Path configDir, Consumer<String> onWedged) {
        return start(id, configDir, PlacementReplica::new, onWedged);
    }

    /** Starts replica {@code id} with a service built from the configured f (tests pass wrappers here). */
    public static PlacementReplicaServer start(
            int id, Path configDir, ReplicaFactory factory, Consumer<String> onWedged) {
        PlacementReplicaServer server = new PlacementReplicaServer(id, onWedged);
        long period = ReplicaWatchdog.PERIOD.toMillis();
        server.wedgeCheck.scheduleWithFixedDelay(server::checkWedged, period, period, TimeUnit.MILLISECONDS);
        try {
            server.launch(configDir, factory);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        server.started = true;
        return server;
    }

    /** Builds the replica from a thread of its own thread group, so every thread it starts belongs to that group. */
    private void launch(Path configDir, ReplicaFactory factory) {
        MemberKeys members = MemberKeys.load(configDir);
        TOMConfiguration conf = BftConfigs.load(id, configDir, MemberKeys.privateKey(configDir, id));
        connectBound = BoundedConnectSelector.install(peerPorts(conf, members), CONNECT_WITHIN);
        PlacementReplica built = factory.create(conf.getF(), members);
        ServiceReplica[] library = new ServiceReplica[1];
        RuntimeException[] failed = new RuntimeException[1];
        Thread starter = new Thread(
                threads,
                () -> {
                    try {
                        library[0] = new ServiceReplica(
                                conf,
                                new FileSystemViewStorage(null, configDir.toFile()),
                                built,
                                built,
                                null,
                                new DefaultReplier());
                    } catch (RuntimeException e) {
                        failed[0] = e;
                    }
                },
                "placement-replica-" + id + "-start");
        starter.start();
        IOException unbound = null;
        try {
            ReplicaPortBinder.rebind(
                    threads,
                    new InetSocketAddress(conf.getHost(id), conf.getServerToServerPort(id)),
                    members,
                    id,
                    LISTENER_WITHIN,
                    starter::isAlive);
        } catch (IOException e) {
            unbound = e;
        }
        try {
            starter.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted starting replica " + id, e);
        }
        if (failed[0] != null) {
            throw failed[0];
        }
        if (unbound != null) {
            library[0].kill();
            throw new IllegalStateException(
                    "replica " + id + ": could not bind its replica port to " + conf.getHost(id) + ": "
                            + unbound.getMessage(),
                    unbound);
        }
        replica = library[0];
        service = built;
        // a leader change nobody joined for 4 request timeouts while the current leader kept deciding is stale
        watchdog = new ReplicaWatchdog(
                built.getStateManager(), Duration.ofMillis(4L * conf.getRequestTimeout()), ReplicaWatchdog.PERIOD);
    }

    private List<InetSocketAddress> peerPorts(TOMConfiguration conf, MemberKeys members) {
        List<InetSocketAddress> peers = new ArrayList<>();
        for (int member : members.ids()) {
            if (member != id) {
                peers.add(new InetSocketAddress(conf.getHost(member), conf.getServerToServerPort(member)));
            }
        }
        return peers;
    }

    private void checkWedged() {
        try {
            wedges.check(threads, started).ifPresent(w -> {
                if (wedgeReported.compareAndSet(false, true)) {
                    LOG.error("replica {} is wedged: {}", id, w.why());
                    wedgeCheck.shutdown();
                    onWedged.accept(w.why());
                }
            });
        } catch (RuntimeException e) {
            LOG.warn("checking replica {} for a wedged thread failed", id, e);
        }
    }

    public PlacementReplica service() {
        return service;
    }

    /** Regency, leader, last executed consensus and pending requests of this replica, as it sees them. */
    public ReplicaStatus status() {
        return service.getStateManager().status();
    }

    public int id() {
        return id;
    }

    @Override
    public synchronized void close() {
        wedgeCheck.shutdownNow();
        if (watchdog != null) {
            watchdog.close();
        }
        if (replica != null) {
            replica.kill();
        }
        if (connectBound != null) {
            try {
                connectBound.close();
            } catch (Exception e) {
                LOG.debug("restoring the proxy selector: {}", e.toString());
            }
        }
    }
}
