package io.crifailover.placement;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The deterministic placement state machine: nodes, suspicions, checkpoint catalog, standby assignment and
 * restore decisions. Not thread-safe; the replica serializes all calls. Every collection is sorted so that
 * iteration order, and therefore every decision and the snapshot bytes, are the same on every replica.
 */
public final class PlacementState {
    /** How many events are kept; older ones are dropped. */
    public static final int EVENT_LOG_LIMIT = 256;

    private final int f;
    final TreeMap<String, NodeInfo> nodes = new TreeMap<>();
    /** Node name -> reporters suspecting it in its current epoch. */
    final TreeMap<String, TreeSet<String>> suspicions = new TreeMap<>();

    final TreeMap<String, CheckpointRecord> checkpoints = new TreeMap<>();
    /** Container -> node it currently runs on (source of its last checkpoint, or target of its last restore). */
    final TreeMap<String, String> homes = new TreeMap<>();

    final TreeMap<String, List<String>> standbys = new TreeMap<>();
    final TreeMap<String, RestoreDecision> decisions = new TreeMap<>();
    final Deque<PlacementEvent> events = new ArrayDeque<>();
    long nextDecisionId = 1;
    long nextEventSequence = 1;
    long appliedCommands;

    /** @param f number of faulty nodes tolerated; f+1 distinct reporters declare a node failed */
    public PlacementState(int f) {
        if (f < 0) {
            throw new IllegalArgumentException("f must be >= 0, was " + f);
        }
        this.f = f;
    }

    public int f() {
        return f;
    }

    public long appliedCommands() {
        return appliedCommands;
    }

    public SortedMap<String, NodeInfo> nodes() {
        return java.util.Collections.unmodifiableSortedMap(nodes);
    }

    public SortedMap<String, RestoreDecision> decisions() {
        return java.util.Collections.unmodifiableSortedMap(decisions);
    }

    public SortedMap<String, CheckpointRecord> checkpoints() {
        return java.util.Collections.unmodifiableSortedMap(checkpoints);
    }

    public SortedSet<String> suspicionsOf(String node) {
        return java.util.Collections.unmodifiableSortedSet(suspicions.getOrDefault(node, new TreeSet<>()));
    }

    public List<PlacementEvent> events() {
        return List.copyOf(events);
    }

    /**
     * Applies one ordered command.
     *
     * @param command  the command
     * @param clientId authenticated identity of the caller: the member whose key signed the request
     */
    public Result apply(Command command, int clientId) {
        if (!command.readOnly()) {
            appliedCommands++;
        }
        if (command instanceof Command.RegisterNode c) {
            return register(c, clientId);
        } else if (command instanceof Command.ReportLoad c) {
            return reportLoad(c, clientId);
        } else if (command instanceof Command.Suspect c) {
            return suspect(c, clientId);
        } else if (command instanceof Command.Heartbeat c) {
            return heartbeat(c, clientId);
        } else if (command instanceof Command.RecordCheckpoint c) {
            return recordCheckpoint(c, clientId);
        } else if (command instanceof Command.RecordCheckpoints c) {
            return recordCheckpoints(c, clientId);
        } else if (command instanceof Command.AssignStandbys c) {
            return assignStandbys(c, clientId);
        } else if (command instanceof Command.AckRestore c) {
            return ackRestore(c, clientId);
        } else if (command instanceof Command.ForgetContainer c) {
            return forget(c, clientId);
        } else if (command instanceof Command.QueryDecisions c) {
            return queryDecisions(c);
        } else if (command instanceof Command.QueryEvents c) {
            return new Result.Events(events.stream()
                    .filter(e -> e.sequence() > c.afterSequence())
                    .toList());
        } else {
            return new Result.Nodes(new ArrayList<>(nodes.values()));
        }
    }

    private Result register(Command.RegisterNode c, int clientId) {
        NodeInfo existing = nodes.get(c.name());
        if (existing == null) {
            Optional<NodeInfo> other = nodes.values().stream()
                    .filter(n -> n.clientId() == clientId)
                    .findFirst();
            if (other.isPresent()) {
                return new Result.Ack(
                        false, "client " + clientId + " is node " + other.get().name() + "; one node per member");
            }
            nodes.put(
                    c.name(),
                    new NodeInfo(
                            c.name(),
                            c.address(),
                            c.arch(),
                            c.cpuFlags(),
                            c.capacity(),
                            0,
                            NodeStatus.LIVE,
                            1,
                            clientId,
                            c.criuReady(),
                            c.xsave()));
            event(
                    PlacementEvent.Kind.NODE_REGISTERED,
                    c.name(),
                    "arch " + c.arch() + ", client " + clientId + (c.criuReady() ? "" : ", CRIU not ready"));
            retryUndecided();
            return new Result.Ack(true, "registered " + c.name());
        }
        if (existing.clientId() != clientId) {
            return new Result.Ack(
                    false, "node " + c.name() + " belongs to client " + existing.clientId() + ", not " + clientId);
        }
        NodeInfo updated = new NodeInfo(
                c.name(),
                c.address(),
                c.arch(),
                c.cpuFlags(),
                c.capacity(),
                existing.load(),
                existing.status(),
                existing.epoch(),
                clientId,
                c.criuReady(),
                c.xsave());
        nodes.put(c.name(), updated);
        for (RestoreDecision d : new ArrayList<>(decisions.values())) {
            CheckpointRecord cp = checkpoints.get(d.containerId());
            if (d.status() == DecisionStatus.PENDING
                    && d.target().equals(c.name())
                    && !updated.canTakeOver(cp.arch(), cp.cpuFlags(), cp.xsave())) {
                decide(d.containerId(), d.failedNode(), d.failedEpoch());
            }
        }
        retryUndecided();
        return new Result.Ack(true, "updated " + c.name());
    }

    private Result reportLoad(Command.ReportLoad c, int clientId) {
        Optional<String> refusal = refuseUnlessOwner(c.node(), clientId);
        if (refusal.isPresent()) {
            return new Result.Ack(false, refusal.get());
        }
        nodes.put(c.node(), nodes.get(c.node()).withLoad(c.load()));
        return new Result.Ack(true, "load of " + c.node() + " is " + c.load());
    }

    private Result suspect(Command.Suspect c, int clientId) {
        NodeInfo target = nodes.get(c.node());
        if (target == null) {
            return new Result.SuspectOutcome(false, "unknown node " + c.node(), 0, NodeStatus.LIVE);
        }
        Optional<String> refusal = refuseUnlessOwner(c.reporter(), clientId);
        if (refusal.isEmpty() && nodes.get(c.reporter()).status() != NodeStatus.LIVE) {
            refusal = Optional.of("reporter " + c.reporter() + " is itself failed");
        }
        if (refusal.isEmpty() && c.reporter().equals(c.node())) {
            refusal = Optional.of("a node cannot suspect itself");
        }
        if (refusal.isEmpty() && c.epoch() != target.epoch()) {
            refusal = Optional.of("stale epoch " + c.epoch() + ", " + c.node() + " is in epoch " + target.epoch());
        }
        TreeSet<String> votes = suspicions.computeIfAbsent(c.node(), k -> new TreeSet<>());
        if (refusal.isPresent()) {
            return new Result.SuspectOutcome(false, refusal.get(), votes.size(), target.status());
        }
        if (target.status() == NodeStatus.FAILED) {
            return new Result.SuspectOutcome(true, c.node() + " already failed", votes.size(), NodeStatus.FAILED);
        }
        votes.add(c.reporter());
        if (votes.size() >= f + 1) {
            declareFailed(target);
            return new Result.SuspectOutcome(
                    true, c.node() + " declared failed in epoch " + target.epoch(), votes.size(), NodeStatus.FAILED);
        }
        return new Result.SuspectOutcome(
                true, votes.size() + " of " + (f + 1) + " suspicions", votes.size(), NodeStatus.LIVE);
    }

    private Result heartbeat(Command.Heartbeat c, int clientId) {
        Optional<String> refusal = refuseUnlessOwner(c.node(), clientId);
        if (refusal.isPresent()) {
            return new Result.Ack(false, refusal.get());
        }
        NodeInfo node = nodes.get(c.node());
        if (node.status() == NodeStatus.LIVE) {
            // the node reached a quorum after those votes: they were transient (a cut since healed, a node that was
            // alone for a while, a liar); a failure needs f+1 reporters between two of its heartbeats
            suspicions.remove(c.node());
            return new Result.Ack(true, c.node() + " live in epoch " + node.epoch());
        }
        long epoch = node.epoch() + 1;
        nodes.put(c.node(), node.withStatus(NodeStatus.LIVE, epoch));
        suspicions.remove(c.node());
        event(PlacementEvent.Kind.NODE_RECOVERED, c.node(), "epoch " + epoch);
        retryUndecided();
        return new Result.Ack(Result.Outcome.REJOINED, c.node() + " recovered in epoch " + epoch);
    }

    private Result recordCheckpoint(Command.RecordCheckpoint c, int clientId) {
        Optional<String> refusal = refuseUnlessLiveSource(c.sourceNode(), clientId);
        if (refusal.isPresent()) {
            return new Result.Ack(false, refusal.get());
        }
        return record(
                new Command.CheckpointEntry(c.containerId(), c.digest(), c.sequence(), c.cpuFlags(), c.holders()),
                nodes.get(c.sourceNode()));
    }

    /**
     * A batch: refused as a whole for a caller that is not its source or a failed source, else entry by entry. An
     * entry equal to the catalog's record (a batch sent again after its answer was lost) is answered as done.
     */
    private Result recordCheckpoints(Command.RecordCheckpoints c, int clientId) {
        Optional<String> refusal = refuseUnlessLiveSource(c.sourceNode(), clientId);
        if (refusal.isPresent()) {
            return new Result.Acks(
                    java.util.Collections.nCopies(c.entries().size(), new Result.Ack(false, refusal.get())));
        }
        NodeInfo source = nodes.get(c.sourceNode());
        List<Result.Ack> acks = new ArrayList<>(c.entries().size());
        for (Command.CheckpointEntry e : c.entries()) {
            CheckpointRecord previous = checkpoints.get(e.containerId());
            boolean recorded = previous != null
                    && previous.sequence() == e.sequence()
                    && previous.digest().equals(e.digest())
                    && previous.sourceNode().equals(source.name());
            acks.add(
                    recorded
                            ? new Result.Ack(
                                    true, "checkpoint " + e.sequence() + " of " + e.containerId() + " already recorded")
                            : record(e, source));
        }
        return new Result.Acks(acks);
    }

    private Optional<String> refuseUnlessLiveSource(String sourceNode, int clientId) {
        Optional<String> refusal = refuseUnlessOwner(sourceNode, clientId);
        if (refusal.isEmpty() && nodes.get(sourceNode).status() != NodeStatus.LIVE) {
            return Optional.of("source " + sourceNode + " is failed");
        }
        return refusal;
    }

    private Result.Ack record(Command.CheckpointEntry c, NodeInfo source) {
        CheckpointRecord previous = checkpoints.get(c.containerId());
        if (previous != null && c.sequence() <= previous.sequence()) {
            return new Result.Ack(
                    false,
                    "sequence " + c.sequence() + " of " + c.containerId() + " is not newer than "
                            + previous.sequence());
        }
        RestoreDecision open = decisions.get(c.containerId());
        if (open != null && open.status() == DecisionStatus.PENDING) {
            return new Result.Ack(false, c.containerId() + " has a pending restore to " + open.target());
        }
        TreeSet<String> holders = new TreeSet<>(c.holders());
        holders.add(source.name());
        checkpoints.put(
                c.containerId(),
                new CheckpointRecord(
                        c.containerId(),
                        c.digest(),
                        c.sequence(),
                        source.name(),
                        source.arch(),
                        c.cpuFlags(),
                        List.copyOf(holders),
                        source.xsave()));
        homes.put(c.containerId(), source.name());
        return new Result.Ack(true, "checkpoint " + c.sequence() + " of " + c.containerId() + " recorded");
    }

    private Result assignStandbys(Command.AssignStandbys c, int clientId) {
        Optional<String> refusal = refuseUnlessOwner(c.sourceNode(), clientId);
        if (refusal.isPresent()) {
            return new Result.Standbys(false, refusal.get(), List.of());
        }
        List<String> chosen = RestorePlanner.chooseStandbys(nodes.get(c.sourceNode()), nodes.values(), c.count());
        standbys.put(c.containerId(), chosen);
        return new Result.Standbys(true, chosen.size() + " of " + c.count() + " standbys", chosen);
    }

    private Result ackRestore(Command.AckRestore c, int clientId) {
        Optional<String> refusal = refuseUnlessOwner(c.target(), clientId);
        if (refusal.isPresent()) {
            return new Result.Ack(false, refusal.get());
        }
        RestoreDecision decision = decisions.get(c.containerId());
        if (decision == null || decision.decisionId() != c.decisionId()) {
            return new Result.Ack(false, "no decision " + c.decisionId() + " for " + c.containerId());
        }
        if (decision.status() != DecisionStatus.PENDING || !decision.target().equals(c.target())) {
            return new Result.Ack(
                    false,
                    "decision " + c.decisionId() + " is " + decision.status() + " for target '" + decision.target()
                            + "'");
        }
        decisions.put(c.containerId(), decision.completed());
        homes.put(c.containerId(), c.target());
        event(PlacementEvent.Kind.RESTORE_COMPLETED, c.containerId(), "on " + c.target());
        return new Result.Ack(true, "restore of " + c.containerId() + " completed on " + c.target());
    }

    private Result forget(Command.ForgetContainer c, int clientId) {
        Optional<String> refusal = refuseUnlessOwner(c.node(), clientId);
        if (refusal.isPresent()) {
            return new Result.Ack(false, refusal.get());
        }
        RestoreDecision decision = decisions.get(c.containerId());
        boolean restoring = decision != null && decision.status() == DecisionStatus.PENDING;
        String entitled = restoring ? decision.target() : homes.get(c.containerId());
        if (entitled == null) {
            return new Result.Ack(true, c.containerId() + " is not in the catalog");
        }
        if (!entitled.equals(c.node())) {
            return new Result.Ack(
                    false,
                    c.containerId() + (restoring ? " is being restored on " : " runs on ") + entitled + ", not "
                            + c.node());
        }
        checkpoints.remove(c.containerId());
        homes.remove(c.containerId());
        standbys.remove(c.containerId());
        decisions.remove(c.containerId());
        event(PlacementEvent.Kind.CONTAINER_FORGOTTEN, c.containerId(), "by " + c.node());
        return new Result.Ack(true, c.containerId() + " forgotten");
    }

    private Result queryDecisions(Command.QueryDecisions c) {
        return new Result.Decisions(decisions.values().stream()
                .filter(d -> c.target().isEmpty() || d.target().equals(c.target()))
                .toList());
    }

    private Optional<String> refuseUnlessOwner(String node, int clientId) {
        NodeInfo info = nodes.get(node);
        if (info == null) {
            return Optional.of("unknown node " + node);
        }
        if (info.clientId() != clientId) {
            return Optional.of("client " + clientId + " may not act for node " + node);
        }
        return Optional.empty();
    }

    private void declareFailed(NodeInfo node) {
        nodes.put(node.name(), node.withStatus(NodeStatus.FAILED, node.epoch()));
        event(
                PlacementEvent.Kind.NODE_FAILED,
                node.name(),
                "epoch " + node.epoch() + ", reporters " + suspicions.get(node.name()));
        for (Map.Entry<String, String> home : new ArrayList<>(homes.entrySet())) {
            if (!home.getValue().equals(node.name())) {
                continue;
            }
            RestoreDecision current = decisions.get(home.getKey());
            if (current != null && current.status() == DecisionStatus.PENDING) {
                continue;
            }
            decide(home.getKey(), node.name(), node.epoch());
        }
        for (RestoreDecision d : new ArrayList<>(decisions.values())) {
            if (d.status() == DecisionStatus.PENDING && d.target().equals(node.name())) {
                decide(d.containerId(), d.failedNode(), d.failedEpoch());
            }
        }
    }

    private void retryUndecided() {
        for (RestoreDecision d : new ArrayList<>(decisions.values())) {
            if (d.status() == DecisionStatus.NO_COMPATIBLE_NODE) {
                decide(d.containerId(), d.failedNode(), d.failedEpoch());
            }
        }
    }

    private void decide(String containerId, String failedNode, long failedEpoch) {
        CheckpointRecord checkpoint = checkpoints.get(containerId);
        if (checkpoint == null) {
            return;
        }
        long id = nextDecisionId++;
        Optional<NodeInfo> target = RestorePlanner.chooseTarget(checkpoint, nodes.values());
        RestoreDecision decision = target.map(t -> new RestoreDecision(
                        containerId,
                        id,
                        failedNode,
                        failedEpoch,
                        t.name(),
                        DecisionStatus.PENDING,
                        checkpoint.digest(),
                        checkpoint.sequence(),
                        "least loaded compatible holder"))
                .orElseGet(() -> new RestoreDecision(
                        containerId,
                        id,
                        failedNode,
                        failedEpoch,
                        "",
                        DecisionStatus.NO_COMPATIBLE_NODE,
                        checkpoint.digest(),
                        checkpoint.sequence(),
                        "no live " + checkpoint.arch() + " node with ready CRIU, flags " + checkpoint.cpuFlags()
                                + " and xsave accepting " + checkpoint.xsave() + " holds checkpoint "
                                + checkpoint.sequence()));
        RestoreDecision previous = decisions.put(containerId, decision);
        if (previous != null
                && previous.status() == DecisionStatus.NO_COMPATIBLE_NODE
                && decision.status() == DecisionStatus.NO_COMPATIBLE_NODE) {
            nextDecisionId--;
            decisions.put(containerId, previous);
            return;
        }
        if (decision.hasTarget()) {
            event(PlacementEvent.Kind.RESTORE_DECIDED, containerId, "decision " + id + " -> " + decision.target());
        } else {
            event(PlacementEvent.Kind.NO_COMPATIBLE_NODE, containerId, "decision " + id + ": " + decision.reason());
        }
    }

    private void event(PlacementEvent.Kind kind, String subject, String detail) {
        events.addLast(new PlacementEvent(nextEventSequence++, kind, subject, detail));
        while (events.size() > EVENT_LOG_LIMIT) {
            events.removeFirst();
        }
    }
}
