package io.crifailover.placement;

import bftsmart.reconfiguration.util.TOMConfiguration;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The shim's view of the placement service. Every call is a BFT-SMaRt ordered invocation: it returns only once
 * enough replicas sent byte-identical replies (more than f), so up to f lying replicas cannot change an answer.
 * The caller's identity is its member's key: every request is a {@link SignedRequest} with a growing request
 * number; node-scoped calls must be signed by the member of that node. The BFT-SMaRt client id is random and
 * proves nothing. Not thread-safe in the sense that calls are serialized (the underlying proxy has one outstanding
 * request); share one instance per process.
 */
public final class PlacementClient implements AutoCloseable {
    /** Default time to wait for a reply quorum. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    /** BFT-SMaRt client ids are drawn from here: far above replica ids, and not guessable. */
    private static final int MIN_CLIENT_ID = 1 << 20;
    /** Sends of one command whose request number the replicas may call stale before giving up. */
    private static final int STALE_ATTEMPTS = 4;

    private final LiveTargetServiceProxy proxy;
    private final ReplicaLivenessProbe probe;
    private final int memberId;
    private final NodeKey key;
    private long nextNumber;

    private PlacementClient(LiveTargetServiceProxy proxy, ReplicaLivenessProbe probe, int memberId, NodeKey key) {
        this.proxy = proxy;
        this.probe = probe;
        this.memberId = memberId;
        this.key = key;
        // above anything an earlier client of this member used, unless the clock went back (then see invoke)
        this.nextNumber = System.currentTimeMillis() * 1000;
    }

    /**
     * Connects as member {@code memberId} of the cluster configured in {@code configDir}, signing with that
     * member's private key ({@code keys/privatekey<id>} there, see {@link ClusterConfigWriter#writePrivateKey}).
     */
    public static PlacementClient connect(Path configDir, int memberId, Duration timeout) {
        NodeKey key = MemberKeys.privateKey(configDir, memberId);
        int clientId = MIN_CLIENT_ID + new SecureRandom().nextInt(Integer.MAX_VALUE - MIN_CLIENT_ID);
        TOMConfiguration conf = BftConfigs.load(clientId, configDir, key);
        Map<Integer, InetSocketAddress> addresses = new TreeMap<>();
        for (int id : conf.getInitialView()) {
            addresses.put(id, conf.getRemoteAddress(id));
        }
        ReplicaLivenessProbe probe =
                new ReplicaLivenessProbe(addresses, Duration.ofMillis(100), Duration.ofMillis(200));
        LiveTargetServiceProxy proxy = new LiveTargetServiceProxy(conf);
        proxy.setInvokeTimeout((int) Math.max(1, timeout.toSeconds()));
        proxy.useProbe(probe);
        ClientChannels channels = ClientChannels.of(proxy.getCommunicationSystem());
        if (channels != null) {
            probe.onReachable(channels::reachable);
        }
        return new PlacementClient(proxy, probe, memberId, key);
    }

    /** The member this client signs as. */
    public int memberId() {
        return memberId;
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

    /** Records several checkpoints of {@code sourceNode} in one ordered call; one answer per entry. */
    public Result.Acks recordCheckpoints(String sourceNode, List<Command.CheckpointEntry> entries) {
        return recordCheckpoints(new Command.RecordCheckpoints(sourceNode, entries));
    }

    /** Sends {@code batch} as one ordered call; the answers are in the order of {@code batch.entries()}. */
    public Result.Acks recordCheckpoints(Command.RecordCheckpoints batch) {
        Result.Acks acks = invoke(batch, Result.Acks.class);
        if (acks.acks().size() != batch.entries().size()) {
            throw new PlacementException(acks.acks().size() + " answers to a batch of "
                    + batch.entries().size() + " checkpoints");
        }
        return acks;
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

    /**
     * Signs one command, sends it ordered and decodes the quorum's reply. A request number the replicas call stale
     * (another client of this member numbered higher, or the clock went back) is raised above theirs and the
     * command sent again, {@value #STALE_ATTEMPTS} times in all: two clients of one member leapfrog each other.
     */
    public <R extends Result> R invoke(Command command, Class<R> expected) {
        byte[] encoded = CommandCodec.encode(command);
        Result result = null;
        for (int attempt = 1; result == null; attempt++) {
            try {
                result = ResultCodec.decode(send(command, encoded));
            } catch (MalformedMessageException e) {
                OptionalLong last = staleNumber(e.getMessage());
                if (last.isEmpty() || attempt == STALE_ATTEMPTS) {
                    throw new PlacementException(e.getMessage(), e);
                }
                nextNumber = Math.max(nextNumber, last.getAsLong() + 1);
            }
        }
        if (!expected.isInstance(result)) {
            throw new PlacementException("expected " + expected.getSimpleName() + " but replicas answered "
                    + result.getClass().getSimpleName());
        }
        return expected.cast(result);
    }

    private byte[] send(Command command, byte[] encoded) {
        byte[] reply = proxy.invokeOrdered(SignedRequest.encode(memberId, nextNumber++, encoded, key));
        if (reply == null) {
            throw new PlacementException("no reply quorum for "
                    + command.getClass().getSimpleName() + " within " + proxy.getInvokeTimeout() + " s");
        }
        return reply;
    }

    private static OptionalLong staleNumber(String refusal) {
        int at = refusal.indexOf(RequestAuthenticator.STALE);
        if (at < 0) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(
                    refusal.substring(at + RequestAuthenticator.STALE.length()).strip()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
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
