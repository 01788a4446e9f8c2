package io.crifailover.placement;

import bftsmart.reconfiguration.util.TOMConfiguration;
import bftsmart.reconfiguration.views.FileSystemViewStorage;
import bftsmart.tom.ServiceReplica;
import bftsmart.tom.server.defaultservices.DefaultReplier;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one BFT-SMaRt replica of the placement service from a directory written by {@link ClusterConfigWriter}.
 * The view is stored in that directory (never under the working directory). A {@link ReplicaWatchdog} runs with
 * the replica and withdraws leader changes that no quorum joined. The replica's threads live in their own thread
 * group; when a {@link ReplicaWedgeDetector} finds one of them wedged by the library's decide-before-PROPOSE fault,
 * the replica is replaced by a fresh one with the same id, which catches up by state transfer (nothing for the
 * caller to do; {@link #restarts()} counts them). The replica authenticates with its member's key (never the
 * library's built-in pair), and its replica-to-replica port is rebound to its cluster address
 * ({@link ReplicaPortBinder}).
 */
public final class PlacementReplicaServer implements AutoCloseable {
    static final Duration WEDGED_AFTER = Duration.ofSeconds(2);
    private static final Duration PORTS_FREE_WITHIN = Duration.ofSeconds(10);
    /** How long the library may take to open its replica-to-replica listener. */
    private static final Duration LISTENER_WITHIN = Duration.ofSeconds(60);

    private static final Logger LOG = LoggerFactory.getLogger(PlacementReplicaServer.class);

    private final int id;
    private final Path configDir;
    private final ReplicaFactory factory;
    private final ScheduledExecutorService wedgeCheck = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "placement-replica-wedge-check");
        t.setDaemon(true);
        return t;
    });
    private volatile Running running;
    private volatile boolean closed;
    private volatile int restarts;

    /** One incarnation of the replica. */
    private record Running(
            ThreadGroup threads,
            ServiceReplica replica,
            PlacementReplica service,
            ReplicaWatchdog watchdog,
            ReplicaWedgeDetector wedges) {}

    /** Builds the service of a replica. */
    @FunctionalInterface
    public interface ReplicaFactory {
        PlacementReplica create(int f, MemberKeys members);
    }

    private PlacementReplicaServer(int id, Path configDir, ReplicaFactory factory) {
        this.id = id;
        this.configDir = configDir;
        this.factory = factory;
    }

    /**
     * Starts replica {@code id} with the default service. {@code configDir} must hold this member's private key
     * ({@link ClusterConfigWriter#writePrivateKey}).
     */
    public static PlacementReplicaServer start(int id, Path configDir) {
        return start(id, configDir, PlacementReplica::new);
    }

    /** Starts replica {@code id} with a service built from the configured f (tests pass wrappers here). */
    public static PlacementReplicaServer start(int id, Path configDir, ReplicaFactory factory) {
        PlacementReplicaServer server = new PlacementReplicaServer(id, configDir, factory);
        server.running = server.launch();
        long period = ReplicaWatchdog.PERIOD.toMillis();
        server.wedgeCheck.scheduleWithFixedDelay(server::checkWedged, period, period, TimeUnit.MILLISECONDS);
        return server;
    }

    /** Builds the replica from a thread of a new thread group, so every thread it starts belongs to that group. */
    private Running launch() {
        MemberKeys members = MemberKeys.load(configDir);
        TOMConfiguration conf = BftConfigs.load(id, configDir, MemberKeys.privateKey(configDir, id));
        PlacementReplica service = factory.create(conf.getF(), members);
        ThreadGroup threads = new ThreadGroup("placement-replica-" + id);
        ServiceReplica[] built = new ServiceReplica[1];
        RuntimeException[] failed = new RuntimeException[1];
        Thread starter = new Thread(
                threads,
                () -> {
                    try {
                        built[0] = new ServiceReplica(
                                conf,
                                new FileSystemViewStorage(null, configDir.toFile()),
                                service,
                                service,
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
            built[0].kill();
            throw new IllegalStateException(
                    "replica " + id + ": could not bind its replica port to " + conf.getHost(id) + ": "
                            + unbound.getMessage(),
                    unbound);
        }
        // a leader change nobody joined for 4 request timeouts while the current leader kept deciding is stale
        ReplicaWatchdog watchdog = new ReplicaWatchdog(
                service.getStateManager(), Duration.ofMillis(4L * conf.getRequestTimeout()), ReplicaWatchdog.PERIOD);
        return new Running(threads, built[0], service, watchdog, new ReplicaWedgeDetector(WEDGED_AFTER));
    }

    private void checkWedged() {
        try {
            Running r = running;
            r.wedges().check(r.threads()).ifPresent(w -> restart(r, w));
        } catch (RuntimeException e) {
            LOG.warn("checking replica {} for a wedged thread failed", id, e);
        }
    }

    /** Replaces a wedged replica by a fresh one; it fetches the state from the others. */
    @SuppressWarnings({"deprecation", "removal"})
    private synchronized void restart(Running wedged, ReplicaWedgeDetector.Wedge why) {
        if (closed || running != wedged) {
            return;
        }
        LOG.error("replica {} is wedged: {}; replacing the replica", id, why.why());
        wedged.watchdog().close();
        // the only way to end that loop; it holds no lock the rest of the shutdown needs (JDK 17: Thread.stop works)
        why.spinning().ifPresent(Thread::stop);
        wedged.replica().kill();
        TOMConfiguration conf = BftConfigs.load(id, configDir, MemberKeys.privateKey(configDir, id));
        awaitPortsFree(conf.getHost(id), conf.getPort(id), conf.getServerToServerPort(id));
        running = launch();
        restarts++;
        LOG.warn("replica {} replaced (restart {}); it catches up by state transfer", id, restarts);
    }

    private void awaitPortsFree(String host, int... ports) {
        long deadline = System.nanoTime() + PORTS_FREE_WITHIN.toNanos();
        for (int port : ports) {
            while (!free(host, port)) {
                if (System.nanoTime() - deadline > 0) {
                    LOG.warn(
                            "port {} of replica {} still taken after {} s; starting anyway",
                            port,
                            id,
                            PORTS_FREE_WITHIN.toSeconds());
                    return;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static boolean free(String host, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(host, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public PlacementReplica service() {
        return running.service();
    }

    /** Regency, leader, last executed consensus and pending requests of this replica, as it sees them. */
    public ReplicaStatus status() {
        return running.service().getStateManager().status();
    }

    /** How often a wedged replica was replaced. */
    public int restarts() {
        return restarts;
    }

    public int id() {
        return id;
    }

    @Override
    public synchronized void close() {
        closed = true;
        wedgeCheck.shutdownNow();
        running.watchdog().close();
        running.replica().kill();
    }
}
