package io.crifailover.placement;

import java.nio.file.Path;
import java.time.Duration;

import bftsmart.reconfiguration.util.TOMConfiguration;
import bftsmart.reconfiguration.views.FileSystemViewStorage;
import bftsmart.tom.ServiceReplica;
import bftsmart.tom.server.defaultservices.DefaultReplier;

/**
 * Runs one BFT-SMaRt replica of the placement service from a directory written by {@link ClusterConfigWriter}.
 * The view is stored in that directory (never under the working directory). A {@link ReplicaWatchdog} runs with
 * the replica and withdraws leader changes that no quorum joined (nothing for the caller to do).
 */
public final class PlacementReplicaServer implements AutoCloseable {
    private final ServiceReplica replica;
    private final PlacementReplica service;
    private final ReplicaWatchdog watchdog;

    private PlacementReplicaServer(ServiceReplica replica, PlacementReplica service, ReplicaWatchdog watchdog) {
        this.replica = replica;
        this.service = service;
        this.watchdog = watchdog;
    }

    /** Starts replica {@code id} with the default service. */
    public static PlacementReplicaServer start(int id, Path configDir) {
        return start(id, configDir, f -> new PlacementReplica(f));
    }

    /** Starts replica {@code id} with a service built from the configured f (tests pass wrappers here). */
    public static PlacementReplicaServer start(int id, Path configDir,
                                               java.util.function.IntFunction<? extends PlacementReplica> factory) {
        TOMConfiguration conf = BftConfigs.load(id, configDir);
        PlacementReplica service = factory.apply(conf.getF());
        ServiceReplica replica = new ServiceReplica(conf, new FileSystemViewStorage(null, configDir.toFile()),
                service, service, null, new DefaultReplier());
        // a leader change nobody joined for 4 request timeouts while the current leader kept deciding is stale
        ReplicaWatchdog watchdog = new ReplicaWatchdog(service.getStateManager(),
                Duration.ofMillis(4L * conf.getRequestTimeout()), ReplicaWatchdog.PERIOD);
        return new PlacementReplicaServer(replica, service, watchdog);
    }

    public PlacementReplica service() {
        return service;
    }

    /** Regency, leader, last executed consensus and pending requests of this replica, as it sees them. */
    public ReplicaStatus status() {
        return service.getStateManager().status();
    }

    public int id() {
        return replica.getId();
    }

    @Override
    public void close() {
        watchdog.close();
        replica.kill();
    }
}
