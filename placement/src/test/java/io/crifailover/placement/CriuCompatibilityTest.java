package io.crifailover.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Placement never picks a node whose CRIU is not ready, nor one whose CPU CRIU would refuse: CRIU's xsave rule
 * (source features a subset of the target's, both frame sizes equal) on top of arch and flags.
 */
class CriuCompatibilityTest {
    static final String X86 = "x86_64";
    static final List<String> FLAGS = List.of("avx", "avx2", "sse");
    /** This machine's values, as {@code criu cpuinfo dump} wrote them (AMD EPYC VM, CRIU 4.2.1). */
    static final Xsave HERE = Xsave.parse("0x205:2440:2440");

    final PlacementState state = new PlacementState(1);

    void register(String name, int client, boolean ready, Xsave xsave) {
        Result.Ack r = (Result.Ack)
                state.apply(new Command.RegisterNode(name, name + ":1", X86, FLAGS, 10, ready, xsave), client);
        assertThat(r.accepted()).isTrue();
    }

    void checkpoint(String container, String source, int client, List<String> holders) {
        Result.Ack r = (Result.Ack)
                state.apply(new Command.RecordCheckpoint(container, "sha256:1", 1, source, FLAGS, holders), client);
        assertThat(r.accepted()).as(r.detail()).isTrue();
    }

    void failSource(String source, String... reporters) {
        for (String reporter : reporters) {
            int client = Integer.parseInt(reporter.replaceAll("\\D", ""));
            state.apply(new Command.Suspect(reporter, source, 1), client);
        }
    }

    @Test
    void xsaveRuleIsCriusOwn() {
        assertThat(HERE.refusal(HERE)).isEmpty();
        Xsave moreFeaturesSameSizes = new Xsave(HERE.features() | 0x2, HERE.size(), HERE.maxSize());
        assertThat(moreFeaturesSameSizes.refusal(HERE))
                .as("target may have more features")
                .isEmpty();
        assertThat(HERE.refusal(moreFeaturesSameSizes)).get().asString().contains("0x2 missing");
        Xsave biggerFrame = new Xsave(HERE.features(), 2696, 2696);
        assertThat(biggerFrame.refusal(HERE)).get().asString().contains("xsave size 2696 != 2440");
        assertThat(HERE.refusal(biggerFrame)).get().asString().contains("xsave size 2440 != 2696");
        Xsave otherMax = new Xsave(HERE.features(), HERE.size(), 2696);
        assertThat(otherMax.refusal(HERE)).get().asString().contains("max size 2696 != 2440");
        assertThat(Xsave.UNKNOWN.refusal(HERE))
                .as("not measured: CRIU's own default")
                .isEmpty();
        assertThat(HERE.refusal(Xsave.UNKNOWN)).isEmpty();
    }

    @Test
    void xsaveParsesAndPrintsTheFlagFormat() {
        assertThat(Xsave.parse("0x2E7:2696:2696")).isEqualTo(new Xsave(0x2e7, 2696, 2696));
        assertThat(Xsave.parse("2e7:2696:2696").toString()).isEqualTo("0x2e7:2696:2696");
        assertThatThrownBy(() -> Xsave.parse("0x2e7:2696")).hasMessageContaining("MASK:SIZE:MAXSIZE");
        assertThatThrownBy(() -> Xsave.parse("zz:1:1")).hasMessageContaining("MASK:SIZE:MAXSIZE");
    }

    @Test
    void nodesThatDifferOnlyInXsaveAreNeitherStandbysNorTargets() {
        register("n1", 1, true, HERE);
        register("n2", 2, true, new Xsave(HERE.features(), 2696, 2696));
        register("n3", 3, true, new Xsave(HERE.features() & ~0x4, HERE.size(), HERE.maxSize()));
        register("n4", 4, true, new Xsave(HERE.features() | 0x2, HERE.size(), HERE.maxSize()));
        Result.Standbys standbys = (Result.Standbys) state.apply(new Command.AssignStandbys("c", "n1", 3), 1);
        assertThat(standbys.nodes()).containsExactly("n4");

        checkpoint("c", "n1", 1, List.of("n2", "n3", "n4"));
        assertThat(state.checkpoints().get("c").xsave()).isEqualTo(HERE);
        failSource("n1", "n2", "n3");
        assertThat(state.decisions().get("c").target()).isEqualTo("n4");
    }

    @Test
    void onlyIncompatibleHoldersMeanNoCompatibleNodeNamingXsave() {
        register("n1", 1, true, HERE);
        register("n2", 2, true, new Xsave(HERE.features(), 2696, 2696));
        register("n3", 3, true, new Xsave(HERE.features(), 2696, 2696));
        checkpoint("c", "n1", 1, List.of("n2", "n3"));
        failSource("n1", "n2", "n3");
        RestoreDecision d = state.decisions().get("c");
        assertThat(d.status()).isEqualTo(DecisionStatus.NO_COMPATIBLE_NODE);
        assertThat(d.reason()).contains("xsave accepting " + HERE);
    }

    @Test
    void aNodeWhoseCriuIsNotReadyIsNeverChosenUntilItIs() {
        register("src", 1, true, HERE);
        register("n2", 2, false, HERE);
        register("n3", 3, true, HERE);
        register("n4", 4, false, HERE);
        Result.Standbys standbys = (Result.Standbys) state.apply(new Command.AssignStandbys("c", "src", 3), 1);
        assertThat(standbys.nodes()).containsExactly("n3");
        assertThat(state.events()).anySatisfy(e -> assertThat(e.detail()).contains("CRIU not ready"));

        checkpoint("c", "src", 1, List.of("n2", "n4"));
        failSource("src", "n2", "n3");
        assertThat(state.decisions().get("c").status()).isEqualTo(DecisionStatus.NO_COMPATIBLE_NODE);

        register("n4", 4, true, HERE);
        assertThat(state.decisions().get("c").target()).isEqualTo("n4");
    }

    @Test
    void aPendingTargetWhoseCriuStopsBeingReadyIsReplaced() {
        register("src", 1, true, HERE);
        register("n2", 2, true, HERE);
        register("n3", 3, true, HERE);
        checkpoint("c", "src", 1, List.of("n2", "n3"));
        failSource("src", "n2", "n3");
        RestoreDecision first = state.decisions().get("c");
        assertThat(first.target()).isEqualTo("n2");
        register("n2", 2, false, HERE);
        RestoreDecision second = state.decisions().get("c");
        assertThat(second.target()).isEqualTo("n3");
        assertThat(second.decisionId()).isGreaterThan(first.decisionId());
    }

    @Test
    void registrationWithCriuFactsRoundTripsAndTheOlderFormStillDecodes() {
        Command.RegisterNode v2 = new Command.RegisterNode("n", "a", X86, FLAGS, 4, false, HERE);
        assertThat(CommandCodec.decode(CommandCodec.encode(v2))).isEqualTo(v2);

        byte[] v1 = new WireOutput()
                .tag(1)
                .str("n")
                .str("a")
                .str(X86)
                .strings(FLAGS)
                .i32(4)
                .toByteArray();
        Command.RegisterNode legacy = (Command.RegisterNode) CommandCodec.decode(v1);
        assertThat(legacy.criuReady()).isTrue();
        assertThat(legacy.xsave()).isEqualTo(Xsave.UNKNOWN);

        NodeInfo node = new NodeInfo("n", "a", X86, FLAGS, 2, 1, NodeStatus.LIVE, 1, 1001, false, HERE);
        Result.Nodes nodes = new Result.Nodes(List.of(node));
        assertThat(ResultCodec.decode(ResultCodec.encode(nodes))).isEqualTo(nodes);
    }

    @Test
    void aVersionOneSnapshotIsStillRead() {
        WireOutput out = new WireOutput().tag(1).i32(1).i64(1).i64(1).i64(3);
        out.i32(1);
        out.str("n")
                .str("a")
                .str(X86)
                .strings(FLAGS)
                .i32(2)
                .i32(0)
                .tag(0)
                .i64(1)
                .i32(1001);
        out.i32(0);
        out.i32(1);
        out.str("c").str("sha256:1").i64(1).str("n").str(X86).strings(FLAGS).strings(List.of("n"));
        out.i32(0).i32(0).i32(0).i32(0);
        PlacementState restored = StateCodec.restore(out.toByteArray());
        assertThat(restored.nodes().get("n").criuReady()).isTrue();
        assertThat(restored.nodes().get("n").xsave()).isEqualTo(Xsave.UNKNOWN);
        assertThat(restored.checkpoints().get("c").xsave()).isEqualTo(Xsave.UNKNOWN);

        register("x", 1, false, HERE);
        PlacementState copy = StateCodec.restore(StateCodec.snapshot(state));
        assertThat(copy.nodes()).isEqualTo(state.nodes());
        assertThat(StateCodec.digest(copy)).isEqualTo(StateCodec.digest(state));
    }
}
