package io.crifailover.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The batch of checkpoint records: one ordered command, one answer per entry, the single record's rules. */
class RecordCheckpointsTest {
    static final String X86 = "x86_64";
    final PlacementState state = new PlacementState(1);

    void register(PlacementState s, String name, int client, List<String> flags) {
        Result r = s.apply(new Command.RegisterNode(name, name + ":1", X86, flags, 10), client);
        assertThat(((Result.Ack) r).accepted()).isTrue();
    }

    static Command.CheckpointEntry entry(String container, long sequence, String... holders) {
        return new Command.CheckpointEntry(
                container, "sha256:" + container + sequence, sequence, List.of("avx"), List.of(holders));
    }

    Result.Acks batch(int client, String source, Command.CheckpointEntry... entries) {
        return (Result.Acks) state.apply(new Command.RecordCheckpoints(source, List.of(entries)), client);
    }

    void threeNodes(PlacementState s) {
        register(s, "src", 1, List.of("avx"));
        register(s, "a", 2, List.of("avx"));
        register(s, "b", 3, List.of("avx"));
    }

    @Test
    void eachEntryIsAnsweredOnItsOwnInContainerOrder() {
        threeNodes(state);
        assertThat(batch(1, "src", entry("c2", 5, "a")).accepted()).isEqualTo(1);
        Result.Acks acks = batch(1, "src", entry("c3", 1, "b"), entry("c1", 1, "a", "b"), entry("c2", 4, "a"));
        assertThat(acks.acks())
                .extracting(Result.Ack::accepted)
                .as("c1, c2, c3")
                .containsExactly(true, false, true);
        assertThat(acks.acks().get(1).detail()).contains("sequence 4 of c2 is not newer than 5");
        assertThat(state.checkpoints().get("c1").holders()).containsExactly("a", "b", "src");
        assertThat(state.checkpoints().get("c2").sequence()).isEqualTo(5);
        assertThat(state.checkpoints().get("c3").holders()).containsExactly("b", "src");
        assertThat(state.appliedCommands()).as("3 registrations, 2 batches").isEqualTo(5);
    }

    @Test
    void aBatchForAnotherNodeOrAFailedSourceIsRefusedAsAWhole() {
        threeNodes(state);
        Result.Acks impostor = batch(2, "src", entry("c1", 1, "a"), entry("c2", 1, "a"));
        assertThat(impostor.acks())
                .hasSize(2)
                .allSatisfy(a -> assertThat(a.detail()).contains("client 2 may not act for node src"))
                .noneMatch(Result.Ack::accepted);
        assertThat(batch(9, "ghost", entry("c1", 1)).acks().get(0).detail()).contains("unknown node ghost");
        state.apply(new Command.Suspect("a", "src", 1), 2);
        state.apply(new Command.Suspect("b", "src", 1), 3);
        assertThat(batch(1, "src", entry("c1", 1, "a")).acks().get(0).detail()).contains("src is failed");
        assertThat(state.checkpoints()).isEmpty();
    }

    @Test
    void aBatchSentAgainAfterItsAnswerWasLostIsDoneNotRefused() {
        threeNodes(state);
        Command.CheckpointEntry c1 = entry("c1", 3, "a");
        batch(1, "src", c1);
        String digest = StateCodec.digest(state);
        Result.Acks again = batch(1, "src", c1, entry("c2", 1, "b"));
        assertThat(again.acks()).allMatch(Result.Ack::accepted);
        assertThat(again.acks().get(0).detail()).contains("already recorded");
        Result.Ack otherDigest = batch(1, "src", new Command.CheckpointEntry("c1", "sha256:x", 3, List.of(), List.of()))
                .acks()
                .get(0);
        assertThat(otherDigest.accepted()).isFalse();
        assertThat(state.checkpoints().get("c1").digest()).isEqualTo(c1.digest());
        assertThat(digest).isNotEqualTo(StateCodec.digest(state));
    }

    @Test
    void noEntryIsRecordedWhileItsContainerHasAPendingRestore() {
        threeNodes(state);
        batch(1, "src", entry("c1", 1, "a"));
        state.apply(new Command.Suspect("a", "src", 1), 2);
        state.apply(new Command.Suspect("b", "src", 1), 3);
        state.apply(new Command.Heartbeat("src"), 1);
        Result.Acks acks = batch(1, "src", entry("c1", 2, "a"), entry("c2", 1, "a"));
        assertThat(acks.acks()).extracting(Result.Ack::accepted).containsExactly(false, true);
        assertThat(acks.acks().get(0).detail()).contains("pending restore to a");
    }

    @Test
    void aRestoreUsesTheBatchedRecordAndOnlyItsHolders() {
        threeNodes(state);
        register(state, "idle", 4, List.of("avx"));
        batch(1, "src", entry("c1", 1, "a"), entry("c2", 1));
        state.apply(new Command.ReportLoad("a", 9), 2);
        state.apply(new Command.Suspect("a", "src", 1), 2);
        state.apply(new Command.Suspect("b", "src", 1), 3);
        RestoreDecision c1 = state.decisions().get("c1");
        assertThat(c1.target()).as("the only live holder, though loaded").isEqualTo("a");
        assertThat(c1.checkpointDigest()).isEqualTo("sha256:c11");
        assertThat(state.decisions().get("c2").status())
                .as("held by the failed source only")
                .isEqualTo(DecisionStatus.NO_COMPATIBLE_NODE);
    }

    @Test
    void replicasApplyingTheSameBatchesHaveTheSameDigestAndSnapshot() {
        PlacementState other = new PlacementState(1);
        threeNodes(state);
        threeNodes(other);
        List<Command> commands = List.of(
                new Command.RecordCheckpoints("src", List.of(entry("c2", 2, "b", "a"), entry("c1", 1, "a"))),
                new Command.RecordCheckpoints("src", List.of(entry("c1", 1, "a"), entry("c2", 1))),
                new Command.RecordCheckpoints("src", List.of(entry("c1", 2, "b"))));
        for (Command c : commands) {
            byte[] wire = CommandCodec.encode(c);
            assertThat(ResultCodec.encode(state.apply(CommandCodec.decode(wire), 1)))
                    .isEqualTo(ResultCodec.encode(other.apply(CommandCodec.decode(wire), 1)));
        }
        assertThat(StateCodec.snapshot(other)).isEqualTo(StateCodec.snapshot(state));
        PlacementState restored = StateCodec.restore(StateCodec.snapshot(state));
        assertThat(StateCodec.digest(restored)).isEqualTo(StateCodec.digest(state));
        assertThat(restored.checkpoints()).isEqualTo(state.checkpoints());
    }

    @Test
    void aBatchHoldsOneToMaxEntriesAndOneEntryPerContainer() {
        assertThatThrownBy(() -> new Command.RecordCheckpoints("src", List.of()))
                .hasMessageContaining("1 to " + Command.RecordCheckpoints.MAX_ENTRIES);
        assertThatThrownBy(() -> new Command.RecordCheckpoints("src", List.of(entry("c1", 1), entry("c1", 2))))
                .hasMessageContaining("two checkpoints of c1");
        assertThatThrownBy(() -> new Command.CheckpointEntry("c1", "d", -1, List.of(), List.of()))
                .hasMessageContaining("sequence must be >= 0");
        assertThat(new Command.RecordCheckpoints("src", List.of(entry("b", 1), entry("a", 1))).entries())
                .extracting(Command.CheckpointEntry::containerId)
                .containsExactly("a", "b");
    }
}
