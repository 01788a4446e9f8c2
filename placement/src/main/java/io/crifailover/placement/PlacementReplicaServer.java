package io.crifailover.placement;

import java.nio.file.Path;

import bftsmart.reconfiguration.util.TOMConfiguration;
import bftsmart.reconfiguration.views.FileSystemViewStorage;
import bftsmart.tom.ServiceReplica;
import bftsmart.tom.server.defaultservices.DefaultReplier;

/**
 * Runs one BFT-SMaRt replica of the placement service from a directory written by {@link ClusterConfigWriter}.
 * The view is stored in that directory (never under the working directory).
 */
public final class PlacementReplicaServer implements AutoCloseable {
    private final ServiceReplica replica;
    private final PlacementReplica service;

    private PlacementReplicaServer(ServiceReplica replica, PlacementReplica service) {
        this.replica = replica;
        this.service = service;
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
        return new PlacementReplicaServer(replica, service);
    }

    public PlacementReplica service() {
        return service;
    }

    public int id() {
        return replica.getId();
    }

    @Override
    public void close() {
        replica.kill();
    }
}
