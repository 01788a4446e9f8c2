package io.crifailover.placement;

import bftsmart.reconfiguration.util.TOMConfiguration;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The shim's view of the placement service. Every call is a BFT-SMaRt ordered invocation: it returns only once
 * enough replicas sent byte-identical replies (more than f), so up to f lying replicas cannot change an answer.
 * The caller's identity is its BFT-SMaRt client id; node-scoped calls must come from the client that registered
 * the node. Not thread-safe in the sense that calls are serialized (the underlying proxy has one outstanding
 * request); share one instance per process.
 */
public final class PlacementClient implements AutoCloseable {
    /** Default time to wait for a reply quorum. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final LiveTargetServiceProxy proxy;
    private final ReplicaLivenessProbe probe;
    private final int clientId;

    private PlacementClient(LiveTargetServiceProxy proxy, ReplicaLivenessProbe probe, int clientId) {
        this.proxy = proxy;
        this.probe = probe;
        this.clientId = clientId;
    }

    /**
     * Connects with client id {@code clientId} (must not collide with replica ids or other clients) to the cluster
     * configured in {@code configDir}.
     */
    public static PlacementClient connect(int clientId, Path configDir, Duration timeout) {
        TOMConfiguration conf = BftConfigs.load(clientId, configDir);
        Map<Integer, InetSocketAddress> addresses = new TreeMap<>();
        for (int id : conf.getInitialView()) {
            addresses.put(id, conf.getRemoteAddress(id));
        }
        ReplicaLivenessProbe probe =
                new ReplicaLivenessProbe(addresses, Duration.ofMillis(100), Duration.ofMillis(200));
        LiveTargetServiceProxy proxy = new LiveTargetServiceProxy(conf);
        proxy.setInvokeTimeout((int) Math.max(1, timeout.toSeconds()));
        proxy.useProbe(probe);
        return new PlacementClient(proxy, probe, clientId);
    }

    public int clientId() {
        return clientId;
    }

    public Result.Ack registerNode(String name, String address, String arch, List<String> cpuFlags, int capacity) {
        return invoke(new Command.RegisterNode(name, address, arch, cpuFlags, capacity), Result.Ack.class);
    }

    /** Registers (or updates) a node with its CRIU readiness and the xsave facts CRIU compares. */
    public Result.Ack registerNode(
            String name,
            String address,
            String arch,
            List<String> cpuFlags,
            int capacity,
            boolean criuReady,
            Xsave xsave) {
        return invoke(
                new Command.RegisterNode(name, address, arch, cpuFlags, capacity, criuReady, xsave), Result.Ack.class);
    }

    public Result.Ack reportLoad(String node, int load) {
        return invoke(new Command.ReportLoad(node, load), Result.Ack.class);
    }

    public Result.SuspectOutcome suspect(String reporter, String node, long epoch) {
        return invoke(new Command.Suspect(reporter, node, epoch), Result.SuspectOutcome.class);
    }

    /** The container is gone (its pod was deleted); only its home or its pending decision's target may say so. */
    public Result.Ack forgetContainer(String containerId, String node) {
        return invoke(new Command.ForgetContainer(containerId, node), Result.Ack.class);
    }

    public Result.Ack heartbeat(String node) {
        return invoke(new Command.Heartbeat(node), Result.Ack.class);
    }

    public Result.Ack recordCheckpoint(
            String containerId,
            String digest,
            long sequence,
            String sourceNode,
            List<String> cpuFlags,
            List<String> holders) {
        return invoke(
                new Command.RecordCheckpoint(containerId, digest, sequence, sourceNode, cpuFlags, holders),
                Result.Ack.class);
    }

    public Result.Standbys assignStandbys(String containerId, String sourceNode, int count) {
        return invoke(new Command.AssignStandbys(containerId, sourceNode, count), Result.Standbys.class);
    }

    /** Decisions targeting {@code node}; all decisions when {@code node} is empty. */
    public List<RestoreDecision> decisions(String node) {
        return invoke(new Command.QueryDecisions(node), Result.Decisions.class).decisions();
    }

    public Result.Ack ackRestore(String containerId, long decisionId, String target) {
        return invoke(new Command.AckRestore(containerId, decisionId, target), Result.Ack.class);
    }

    public List<NodeInfo> nodes() {
        return invoke(new Command.QueryNodes(), Result.Nodes.class).nodes();
    }

    public List<PlacementEvent> events(long afterSequence) {
        return invoke(new Command.QueryEvents(afterSequence), Result.Events.class)
                .events();
    }

    /** Sends one ordered command and decodes the quorum's reply. */
    public <R extends Result> R invoke(Command command, Class<R> expected) {
        byte[] reply = proxy.invokeOrdered(CommandCodec.encode(command));
        if (reply == null) {
            throw new PlacementException("no reply quorum for "
                    + command.getClass().getSimpleName() + " within " + proxy.getInvokeTimeout() + " s");
        }
        Result result;
        try {
            result = ResultCodec.decode(reply);
        } catch (MalformedMessageException e) {
            throw new PlacementException(e.getMessage(), e);
        }
        if (!expected.isInstance(result)) {
            throw new PlacementException("expected " + expected.getSimpleName() + " but replicas answered "
                    + result.getClass().getSimpleName());
        }
        return expected.cast(result);
    }

    /** True while the liveness probe sees replica {@code id} as down. */
    public boolean replicaKnownDown(int id) {
        return probe.isDown(id);
    }

    @Override
    public void close() {
        probe.close();
        proxy.close();
    }
}
