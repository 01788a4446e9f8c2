package io.crifailover.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PlacementStateTest {
    static final String X86 = "x86_64";
    final PlacementState state = new PlacementState(1);

    void register(String name, int client, List<String> flags) {
        Result r = state.apply(new Command.RegisterNode(name, name + ":1", X86, flags, 10), client);
        assertThat(((Result.Ack) r).accepted()).isTrue();
    }

    Result.SuspectOutcome suspect(String reporter, int client, String node, long epoch) {
        return (Result.SuspectOutcome) state.apply(new Command.Suspect(reporter, node, epoch), client);
    }

    Result.Ack ack(Command command, int client) {
        return (Result.Ack) state.apply(command, client);
    }

    @Test
    void registrationBindsTheNameToTheClient() {
        register("a", 1001, List.of("sse"));
        Result.Ack hijack = ack(new Command.RegisterNode("a", "evil", X86, List.of(), 1), 1002);
        assertThat(hijack.accepted()).isFalse();
        assertThat(hijack.detail()).contains("belongs to client 1001");
        assertThat(state.nodes().get("a").address()).isEqualTo("a:1");
    }

    @Test
    void aNodeFailsOnlyWithFPlusOneDistinctReportersInItsEpoch() {
        register("a", 1, List.of());
        register("b", 2, List.of());
        register("c", 3, List.of());
        assertThat(suspect("b", 2, "a", 1).status()).isEqualTo(NodeStatus.LIVE);
        assertThat(suspect("b", 2, "a", 1).votes()).isEqualTo(1);
        Result.SuspectOutcome impersonation = suspect("c", 2, "a", 1);
        assertThat(impersonation.accepted()).isFalse();
        assertThat(impersonation.detail()).contains("client 2 may not act for node c");
        assertThat(suspect("c", 3, "a", 0).detail()).contains("stale epoch");
        assertThat(suspect("a", 1, "a", 1).accepted()).isFalse();
        Result.SuspectOutcome second = suspect("c", 3, "a", 1);
        assertThat(second.status()).isEqualTo(NodeStatus.FAILED);
        assertThat(state.nodes().get("a").status()).isEqualTo(NodeStatus.FAILED);
        assertThat(state.events()).extracting(PlacementEvent::kind).contains(PlacementEvent.Kind.NODE_FAILED);
    }

    @Test
    void aHeartbeatOfTheSuspectClearsTheVotesBeforeItSoOldTransientSuspicionsNeverAddUp() {
        register("a", 1, List.of());
        register("b", 2, List.of());
        register("c", 3, List.of());
        // b was alone for a while and suspected a; later a liar (c) votes against a: f+1 reporters, never at once
        assertThat(suspect("b", 2, "a", 1).votes()).isEqualTo(1);
        assertThat(ack(new Command.Heartbeat("a"), 1).accepted()).isTrue();
        assertThat(state.suspicionsOf("a")).isEmpty();
        Result.SuspectOutcome liar = suspect("c", 3, "a", 1);
        assertThat(liar.votes()).isEqualTo(1);
        assertThat(liar.status()).isEqualTo(NodeStatus.LIVE);
        // a node that really stopped sends no heartbeat between the votes
        assertThat(suspect("b", 2, "a", 1).status()).isEqualTo(NodeStatus.FAILED);
    }

    @Test
    void aFailedNodeCannotVoteAndRecoversByItsOwnHeartbeatInANewEpoch() {
        register("a", 1, List.of());
        register("b", 2, List.of());
        register("c", 3, List.of());
        suspect("b", 2, "a", 1);
        suspect("c", 3, "a", 1);
        assertThat(suspect("a", 1, "b", 1).detail()).contains("itself failed");
        assertThat(ack(new Command.Heartbeat("a"), 2).accepted()).isFalse();
        Result.Ack recovered = ack(new Command.Heartbeat("a"), 1);
        assertThat(recovered.outcome()).isEqualTo(Result.Outcome.REJOINED);
        assertThat(recovered.detail()).contains("recovered in epoch 2");
        assertThat(ack(new Command.Heartbeat("a"), 1).outcome()).isEqualTo(Result.Outcome.DONE);
        assertThat(state.nodes().get("a").status()).isEqualTo(NodeStatus.LIVE);
        assertThat(state.suspicionsOf("a")).isEmpty();
        assertThat(suspect("b", 2, "a", 1).detail()).contains("stale epoch");
        assertThat(suspect("b", 2, "a", 2).votes()).isEqualTo(1);
    }

    @Test
    void restoreTargetsTheLeastLoadedCompatibleHolder() {
        register("src", 1, List.of("avx", "avx2", "sse"));
        register("avxOnly", 2, List.of("avx", "sse"));
        register("notHolder", 3, List.of("avx", "avx2", "sse"));
        register("holderBusy", 4, List.of("avx", "avx2", "sse", "avx512f"));
        register("holderIdle", 5, List.of("avx", "avx2", "sse"));
        ack(new Command.ReportLoad("holderBusy", 9), 4);
        ack(new Command.ReportLoad("holderIdle", 1), 5);
        assertThat(ack(
                                new Command.RecordCheckpoint(
                                        "ns/pod/c",
                                        "sha256:1",
                                        1,
                                        "src",
                                        List.of("avx2", "sse"),
                                        List.of("avxOnly", "holderBusy", "holderIdle")),
                                1)
                        .accepted())
                .isTrue();
        suspect("avxOnly", 2, "src", 1);
        suspect("notHolder", 3, "src", 1);
        RestoreDecision d = state.decisions().get("ns/pod/c");
        assertThat(d.status()).isEqualTo(DecisionStatus.PENDING);
        assertThat(d.target()).isEqualTo("holderIdle");
        assertThat(d.failedEpoch()).isEqualTo(1);
        assertThat(d.checkpointDigest()).isEqualTo("sha256:1");
    }

    @Test
    void tiesAreBrokenByName() {
        register("src", 1, List.of());
        register("b", 2, List.of());
        register("a", 3, List.of());
        ack(new Command.RecordCheckpoint("c1", "d", 1, "src", List.of(), List.of("a", "b")), 1);
        suspect("a", 3, "src", 1);
        suspect("b", 2, "src", 1);
        assertThat(state.decisions().get("c1").target()).isEqualTo("a");
    }

    @Test
    void withoutACompatibleNodeTheDecisionSaysSoAndIsRetriedWhenOneAppears() {
        register("src", 1, List.of("avx", "avx2"));
        register("old1", 2, List.of("avx"));
        register("old2", 3, List.of("avx"));
        ack(
                new Command.RecordCheckpoint(
                        "c1", "d", 1, "src", List.of("avx", "avx2"), List.of("old1", "old2", "new")),
                1);
        suspect("old1", 2, "src", 1);
        suspect("old2", 3, "src", 1);
        RestoreDecision none = state.decisions().get("c1");
        assertThat(none.status()).isEqualTo(DecisionStatus.NO_COMPATIBLE_NODE);
        assertThat(none.hasTarget()).isFalse();
        assertThat(none.reason()).contains("avx2");
        assertThat(state.events()).extracting(PlacementEvent::kind).contains(PlacementEvent.Kind.NO_COMPATIBLE_NODE);
        register("new", 4, List.of("avx", "avx2", "avx512f"));
        assertThat(state.decisions().get("c1").target()).isEqualTo("new");
    }

    @Test
    void aDecisionIsFinalUntilAckedOrItsTargetFails() {
        register("src", 1, List.of());
        register("t1", 2, List.of());
        register("t2", 3, List.of());
        register("w", 4, List.of());
        ack(new Command.RecordCheckpoint("c1", "d", 7, "src", List.of(), List.of("t1", "t2")), 1);
        suspect("t1", 2, "src", 1);
        suspect("t2", 3, "src", 1);
        RestoreDecision first = state.decisions().get("c1");
        assertThat(first.target()).isEqualTo("t1");
        ack(new Command.ReportLoad("t1", 100), 2);
        suspect("w", 4, "src", 1);
        assertThat(state.decisions().get("c1")).isEqualTo(first);
        assertThat(ack(new Command.AckRestore("c1", first.decisionId(), "t1"), 3)
                        .accepted())
                .isFalse();
        suspect("t2", 3, "t1", 1);
        suspect("w", 4, "t1", 1);
        RestoreDecision second = state.decisions().get("c1");
        assertThat(second.target()).isEqualTo("t2");
        assertThat(second.decisionId()).isGreaterThan(first.decisionId());
        assertThat(ack(new Command.AckRestore("c1", first.decisionId(), "t1"), 2)
                        .accepted())
                .isFalse();
        assertThat(ack(new Command.AckRestore("c1", second.decisionId(), "t2"), 3)
                        .accepted())
                .isTrue();
        assertThat(state.decisions().get("c1").status()).isEqualTo(DecisionStatus.COMPLETED);
        assertThat(ack(new Command.AckRestore("c1", second.decisionId(), "t2"), 3)
                        .accepted())
                .isFalse();
    }

    @Test
    void checkpointsMustComeFromTheSourceAndBeNewer() {
        register("src", 1, List.of());
        register("other", 2, List.of());
        assertThat(ack(new Command.RecordCheckpoint("c1", "d", 1, "src", List.of(), List.of()), 2)
                        .accepted())
                .isFalse();
        assertThat(ack(new Command.RecordCheckpoint("c1", "d", 2, "src", List.of(), List.of()), 1)
                        .accepted())
                .isTrue();
        Result.Ack old = ack(new Command.RecordCheckpoint("c1", "d0", 2, "src", List.of(), List.of()), 1);
        assertThat(old.accepted()).isFalse();
        assertThat(old.detail()).contains("not newer");
        assertThat(state.checkpoints().get("c1").holders()).containsExactly("src");
    }

    @Test
    void standbysAreCompatibleLeastLoadedNodes() {
        register("src", 1, List.of("avx2"));
        register("a", 2, List.of("avx2"));
        register("b", 3, List.of("avx"));
        register("c", 4, List.of("avx2", "avx512f"));
        ack(new Command.ReportLoad("a", 5), 2);
        Result.Standbys s = (Result.Standbys) state.apply(new Command.AssignStandbys("c1", "src", 2), 1);
        assertThat(s.nodes()).containsExactly("c", "a");
        Result.Standbys one = (Result.Standbys) state.apply(new Command.AssignStandbys("c1", "src", 1), 1);
        assertThat(one.nodes()).containsExactly("c");
        assertThat(((Result.Standbys) state.apply(new Command.AssignStandbys("c1", "src", 1), 2)).accepted())
                .isFalse();
    }

    @Test
    void snapshotRoundTripKeepsTheDigestAndBehaviour() {
        register("src", 1, List.of("avx"));
        register("a", 2, List.of("avx"));
        register("b", 3, List.of("avx"));
        ack(new Command.RecordCheckpoint("c1", "d", 1, "src", List.of("avx"), List.of("a", "b")), 1);
        suspect("a", 2, "src", 1);
        byte[] snapshot = StateCodec.snapshot(state);
        PlacementState copy = StateCodec.restore(snapshot);
        assertThat(StateCodec.snapshot(copy)).isEqualTo(snapshot);
        assertThat(StateCodec.digest(copy)).isEqualTo(StateCodec.digest(state));
        Command next = new Command.Suspect("b", "src", 1);
        assertThat(ResultCodec.encode(copy.apply(next, 3))).isEqualTo(ResultCodec.encode(state.apply(next, 3)));
        assertThat(StateCodec.digest(copy)).isEqualTo(StateCodec.digest(state));
        assertThat(copy.decisions()).isEqualTo(state.decisions());
    }

    @Test
    void readOnlyQueriesDoNotChangeTheState() {
        register("a", 1, List.of());
        String before = StateCodec.digest(state);
        state.apply(new Command.QueryNodes(), 5);
        state.apply(new Command.QueryDecisions(""), 5);
        state.apply(new Command.QueryEvents(0), 5);
        assertThat(StateCodec.digest(state)).isEqualTo(before);
    }

    @Test
    void aDeletedContainerIsForgottenOnlyByItsHomeOrItsRestoreTarget() {
        register("a", 1, List.of());
        register("b", 2, List.of());
        register("c", 3, List.of());
        assertThat(ack(new Command.RecordCheckpoint("ns/p/c", "sha256:1", 1, "a", List.of(), List.of("b")), 1)
                        .accepted())
                .isTrue();
        assertThat(ack(new Command.ForgetContainer("ns/p/c", "b"), 2).detail()).contains("runs on a, not b");
        assertThat(ack(new Command.ForgetContainer("ns/p/c", "a"), 2).detail()).contains("may not act for node a");

        suspect("b", 2, "a", 1);
        suspect("c", 3, "a", 1);
        assertThat(state.decisions().get("ns/p/c").target()).isEqualTo("b");
        assertThat(ack(new Command.ForgetContainer("ns/p/c", "a"), 1).accepted())
                .isFalse();

        Result.Ack forgotten = ack(new Command.ForgetContainer("ns/p/c", "b"), 2);
        assertThat(forgotten.accepted()).isTrue();
        assertThat(state.decisions()).doesNotContainKey("ns/p/c");
        assertThat(state.checkpoints()).doesNotContainKey("ns/p/c");
        assertThat(state.events()).extracting(PlacementEvent::kind).contains(PlacementEvent.Kind.CONTAINER_FORGOTTEN);
        assertThat(ack(new Command.ForgetContainer("ns/p/c", "c"), 3).detail()).contains("not in the catalog");

        ack(new Command.Heartbeat("a"), 1);
        suspect("a", 1, "b", 1);
        suspect("c", 3, "b", 1);
        assertThat(state.decisions())
                .as("a forgotten container is not restored again")
                .isEmpty();
    }
}
