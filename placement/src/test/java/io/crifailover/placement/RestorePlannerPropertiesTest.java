package io.crifailover.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Properties of the pure decision function and of the whole state machine. */
class RestorePlannerPropertiesTest {
    static final List<String> FLAGS = List.of("sse", "sse4_2", "avx", "avx2", "avx512f");
    static final List<String> NAMES = List.of("n0", "n1", "n2", "n3", "n4", "n5", "n6");

    @Provide
    Arbitrary<List<NodeInfo>> nodes() {
        Arbitrary<NodeInfo> node = Combinators.combine(
                        Arbitraries.of(NAMES),
                        Arbitraries.of("x86_64", "aarch64"),
                        Arbitraries.subsetOf(FLAGS),
                        Arbitraries.integers().between(1, 8),
                        Arbitraries.integers().between(0, 20),
                        Arbitraries.of(NodeStatus.class))
                .as((name, arch, flags, capacity, load, status) ->
                        new NodeInfo(name, name, arch, new ArrayList<>(flags), capacity, load, status, 1, 1));
        return node.list().ofMaxSize(7).uniqueElements(NodeInfo::name);
    }

    @Provide
    Arbitrary<CheckpointRecord> checkpoints() {
        return Combinators.combine(
                        Arbitraries.of(NAMES),
                        Arbitraries.of("x86_64", "aarch64"),
                        Arbitraries.subsetOf(FLAGS),
                        Arbitraries.subsetOf(NAMES))
                .as((source, arch, flags, holders) -> new CheckpointRecord(
                        "c", "d", 1, source, arch, new ArrayList<>(flags), new ArrayList<>(holders)));
    }

    /**
     * Properties of the choice, with no copy of the eligibility rule: a node is eligible exactly when the planner
     * picks it from a list holding only that node.
     */
    @Property(tries = 500)
    void targetIsEligibleLeastLoadedAndIndependentOfOrder(
            @ForAll("nodes") List<NodeInfo> nodes, @ForAll("checkpoints") CheckpointRecord cp, @ForAll long seed) {
        Optional<NodeInfo> target = RestorePlanner.chooseTarget(cp, nodes);

        List<NodeInfo> shuffled = new ArrayList<>(nodes);
        Collections.shuffle(shuffled, new Random(seed));
        assertThat(RestorePlanner.chooseTarget(cp, shuffled)).isEqualTo(target);

        List<NodeInfo> eligible = nodes.stream()
                .filter(n -> RestorePlanner.chooseTarget(cp, List.of(n)).isPresent())
                .toList();
        assertThat(target.isPresent()).isEqualTo(!eligible.isEmpty());

        target.ifPresent(t -> {
            assertThat(t.status()).isEqualTo(NodeStatus.LIVE);
            assertThat(t.name()).isNotEqualTo(cp.sourceNode());
            assertThat(t.arch()).isEqualTo(cp.arch());
            assertThat(t.cpuFlags()).containsAll(cp.cpuFlags());
            assertThat(cp.holders()).contains(t.name());
            for (NodeInfo other : eligible) {
                long mine = (long) t.load() * other.capacity();
                long theirs = (long) other.load() * t.capacity();
                assertThat(mine)
                        .as("%s is less loaded than the chosen %s", other.name(), t.name())
                        .isLessThanOrEqualTo(theirs);
                if (mine == theirs) {
                    assertThat(t.name()).isLessThanOrEqualTo(other.name());
                }
            }
        });
    }

    /** Dropping a node that was not chosen never changes the choice. */
    @Property(tries = 300)
    void droppingAnotherNodeKeepsTheChoice(
            @ForAll("nodes") List<NodeInfo> nodes, @ForAll("checkpoints") CheckpointRecord cp) {
        Optional<NodeInfo> target = RestorePlanner.chooseTarget(cp, nodes);
        for (NodeInfo dropped : nodes) {
            if (target.isPresent() && target.get().equals(dropped)) {
                continue;
            }
            List<NodeInfo> rest = new ArrayList<>(nodes);
            rest.remove(dropped);
            assertThat(RestorePlanner.chooseTarget(cp, rest)).isEqualTo(target);
        }
    }

    @Property(tries = 200)
    void replicasApplyingTheSameCommandsAgreeAndNeverPickABadTarget(
            @ForAll("commands") List<Step> steps, @ForAll("cuts") int cut) {
        PlacementState a = new PlacementState(1);
        PlacementState b = new PlacementState(1);
        int snapshotAt = Math.min(cut, steps.size());
        for (int i = 0; i < steps.size(); i++) {
            if (i == snapshotAt) {
                b = StateCodec.restore(StateCodec.snapshot(b));
            }
            Step s = steps.get(i);
            byte[] ra = ResultCodec.encode(a.apply(s.command(), s.client()));
            Command received = CommandCodec.decode(CommandCodec.encode(s.command()));
            byte[] rb = ResultCodec.encode(b.apply(received, s.client()));
            assertThat(rb).isEqualTo(ra);
            assertDecisionsSound(a);
        }
        assertThat(StateCodec.digest(b)).isEqualTo(StateCodec.digest(a));
    }

    static void assertDecisionsSound(PlacementState s) {
        Set<String> containers = new HashSet<>();
        for (RestoreDecision d : s.decisions().values()) {
            assertThat(containers.add(d.containerId())).isTrue();
            if (d.status() != DecisionStatus.PENDING) {
                continue;
            }
            NodeInfo target = s.nodes().get(d.target());
            CheckpointRecord cp = s.checkpoints().get(d.containerId());
            assertThat(target.status()).isEqualTo(NodeStatus.LIVE);
            assertThat(target.canRun(cp.arch(), cp.cpuFlags())).isTrue();
            assertThat(cp.holders()).contains(d.target());
            assertThat(d.target()).isNotEqualTo(d.failedNode());
        }
    }

    record Step(Command command, int client) {}

    @Provide
    Arbitrary<Integer> cuts() {
        return Arbitraries.integers().between(0, 60);
    }

    /** Random command sequences from a fixed cast of nodes; client id i+1 owns node n_i, 99 is a stranger. */
    @Provide
    Arbitrary<List<Step>> commands() {
        Arbitrary<Integer> nodeIndex = Arbitraries.integers().between(0, 5);
        Arbitrary<Integer> client = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(9, nodeIndex.map(i -> i + 1)), net.jqwik.api.Tuple.of(1, Arbitraries.just(99)));
        Arbitrary<Step> register = Combinators.combine(
                        nodeIndex, Arbitraries.subsetOf(FLAGS), Arbitraries.of("x86_64", "aarch64"))
                .as((i, flags, arch) ->
                        new Step(new Command.RegisterNode("n" + i, "a", arch, new ArrayList<>(flags), 4), i + 1));
        Arbitrary<Step> load = Combinators.combine(
                        nodeIndex, Arbitraries.integers().between(0, 9), client)
                .as((i, l, c) -> new Step(new Command.ReportLoad("n" + i, l), c));
        Arbitrary<Step> suspect = Combinators.combine(
                        nodeIndex, nodeIndex, Arbitraries.longs().between(1, 3), client)
                .as((r, n, e, c) -> new Step(new Command.Suspect("n" + r, "n" + n, e), c));
        Arbitrary<Step> heartbeat =
                Combinators.combine(nodeIndex, client).as((i, c) -> new Step(new Command.Heartbeat("n" + i), c));
        Arbitrary<Step> checkpoint = Combinators.combine(
                        Arbitraries.integers().between(0, 3),
                        nodeIndex,
                        Arbitraries.subsetOf(FLAGS),
                        Arbitraries.subsetOf(NAMES.subList(0, 6)),
                        Arbitraries.longs().between(1, 20),
                        client)
                .as((c, src, flags, holders, seq, cl) -> new Step(
                        new Command.RecordCheckpoint(
                                "c" + c, "d" + seq, seq, "n" + src, new ArrayList<>(flags), new ArrayList<>(holders)),
                        cl));
        Arbitrary<Step> batch = Combinators.combine(
                        Arbitraries.subsetOf(0, 1, 2, 3).ofMinSize(1),
                        nodeIndex,
                        Arbitraries.subsetOf(FLAGS),
                        Arbitraries.subsetOf(NAMES.subList(0, 6)),
                        Arbitraries.longs().between(1, 20),
                        client)
                .as((cs, src, flags, holders, seq, cl) -> new Step(
                        new Command.RecordCheckpoints(
                                "n" + src,
                                cs.stream()
                                        .map(c -> new Command.CheckpointEntry(
                                                "c" + c,
                                                "d" + (seq + c),
                                                seq + c,
                                                new ArrayList<>(flags),
                                                new ArrayList<>(holders)))
                                        .toList()),
                        cl));
        Arbitrary<Step> ackRestore = Combinators.combine(
                        Arbitraries.integers().between(0, 3),
                        Arbitraries.longs().between(1, 10),
                        nodeIndex,
                        client)
                .as((c, id, t, cl) -> new Step(new Command.AckRestore("c" + c, id, "n" + t), cl));
        Arbitrary<Step> standby = Combinators.combine(Arbitraries.integers().between(0, 3), nodeIndex, client)
                .as((c, src, cl) -> new Step(new Command.AssignStandbys("c" + c, "n" + src, 2), cl));
        Arbitrary<Step> step = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, register),
                net.jqwik.api.Tuple.of(2, load),
                net.jqwik.api.Tuple.of(5, suspect),
                net.jqwik.api.Tuple.of(1, heartbeat),
                net.jqwik.api.Tuple.of(3, checkpoint),
                net.jqwik.api.Tuple.of(2, batch),
                net.jqwik.api.Tuple.of(1, ackRestore),
                net.jqwik.api.Tuple.of(1, standby));
        return step.list().ofMinSize(1).ofMaxSize(60);
    }
}
