package io.crifailover.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class CodecTest {
    static final List<Command> ALL = List.of(
            new Command.RegisterNode("n", "10.0.0.1:7000", "x86_64", List.of("sse", "avx", "avx"), 4),
            new Command.ReportLoad("n", 3),
            new Command.Suspect("a", "b", 7),
            new Command.Heartbeat("n"),
            new Command.RecordCheckpoint("ns/p/c", "sha256:ab", 9, "n", List.of("avx"), List.of("m", "k")),
            new Command.RecordCheckpoints(
                    "n",
                    List.of(
                            new Command.CheckpointEntry("ns/p/d", "sha256:cd", 3, List.of("sse"), List.of()),
                            new Command.CheckpointEntry("ns/p/c", "sha256:ab", 9, List.of("avx"), List.of("m", "k")))),
            new Command.AssignStandbys("ns/p/c", "n", 2),
            new Command.AckRestore("ns/p/c", 4, "m"),
            new Command.ForgetContainer("ns/p/c", "m"),
            new Command.QueryDecisions(""),
            new Command.QueryNodes(),
            new Command.QueryEvents(12));

    @Test
    void everyCommandRoundTrips() {
        for (Command c : ALL) {
            assertThat(CommandCodec.decode(CommandCodec.encode(c))).isEqualTo(c);
        }
    }

    @Test
    void flagsAreCanonicalSoEqualCommandsEncodeEqually() {
        byte[] a = CommandCodec.encode(new Command.RegisterNode("n", "", "x86_64", List.of("b", "a", "a"), 1));
        byte[] b = CommandCodec.encode(new Command.RegisterNode("n", "", "x86_64", List.of("a", "b"), 1));
        assertThat(a).isEqualTo(b);
    }

    @Test
    void resultsRoundTrip() {
        List<Result> results = List.of(
                new Result.Ack(true, "ok"),
                new Result.Ack(false, "no"),
                new Result.Ack(Result.Outcome.REJOINED, "a recovered in epoch 2"),
                new Result.Acks(List.of(new Result.Ack(true, "recorded"), new Result.Ack(false, "not newer"))),
                new Result.SuspectOutcome(true, "x", 2, NodeStatus.FAILED),
                new Result.Decisions(List.of(
                        new RestoreDecision("c", 1, "a", 1, "", DecisionStatus.NO_COMPATIBLE_NODE, "d", 3, "none"))),
                new Result.Nodes(
                        List.of(new NodeInfo("a", "x", "x86_64", List.of("avx"), 2, 1, NodeStatus.LIVE, 1, 1001))),
                new Result.Standbys(true, "1 of 1", List.of("b")),
                new Result.Events(List.of(new PlacementEvent(1, PlacementEvent.Kind.NODE_FAILED, "a", "e"))));
        for (Result r : results) {
            assertThat(ResultCodec.decode(ResultCodec.encode(r))).isEqualTo(r);
        }
    }

    @Test
    void aBatchEncodesInContainerOrderWhateverOrderItWasBuiltIn() {
        Command.CheckpointEntry a = new Command.CheckpointEntry("a", "sha256:1", 1, List.of("sse", "avx"), List.of());
        Command.CheckpointEntry b = new Command.CheckpointEntry("b", "sha256:2", 2, List.of(), List.of("y", "x"));
        assertThat(CommandCodec.encode(new Command.RecordCheckpoints("n", List.of(b, a))))
                .isEqualTo(CommandCodec.encode(new Command.RecordCheckpoints("n", List.of(a, b))));
    }

    @Test
    void aBatchWithTwoEntriesOfOneContainerIsMalformed() {
        byte[] one = CommandCodec.encode(new Command.RecordCheckpoints(
                "n", List.of(new Command.CheckpointEntry("a", "sha256:1", 1, List.of(), List.of()))));
        byte[] entry = Arrays.copyOfRange(one, 1 + 4 + 1 + 4, one.length);
        byte[] twice = new byte[one.length + entry.length];
        System.arraycopy(one, 0, twice, 0, one.length);
        System.arraycopy(entry, 0, twice, one.length, entry.length);
        twice[1 + 4 + 1 + 3] = 2;
        assertThatThrownBy(() -> CommandCodec.decode(twice))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("two checkpoints of a");
    }

    @Test
    void malformedBytesAreRejectedWithAClearMessage() {
        assertThatThrownBy(() -> CommandCodec.decode(new byte[] {99}))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("unknown command tag 99");
        byte[] register = CommandCodec.encode(ALL.get(0));
        assertThatThrownBy(() -> CommandCodec.decode(Arrays.copyOf(register, register.length - 2)))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> CommandCodec.decode(Arrays.copyOf(register, register.length + 1)))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("trailing");
        assertThatThrownBy(() -> CommandCodec.decode(new byte[0])).isInstanceOf(MalformedMessageException.class);
        byte[] blankName = CommandCodec.encode(new Command.Heartbeat("x"));
        blankName[blankName.length - 1] = ' ';
        assertThatThrownBy(() -> CommandCodec.decode(blankName))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("node name must not be blank");
        assertThatThrownBy(() -> ResultCodec.decode(ResultCodec.encodeRejection("bad")))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("rejected the request: bad");
        assertThatThrownBy(() -> StateCodec.restore(new byte[] {3}))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("snapshot version 3");
    }

    @Test
    void aReplicaAnswersGarbageWithARejectionInsteadOfFailing() {
        PlacementReplica replica = new PlacementReplica(
                1, new MemberKeys(java.util.Map.of(0, TestKeys.key(0).publicKey()), java.util.Map.of()));
        byte[] reply = replica.execute(new byte[] {1, 2, 3}, 1000, false);
        assertThatThrownBy(() -> ResultCodec.decode(reply)).hasMessageContaining("malformed signed request");
        byte[] garbage =
                replica.execute(SignedRequest.encode(0, 1, new byte[] {1, 2, 3}, TestKeys.key(0)), 1000, false);
        assertThatThrownBy(() -> ResultCodec.decode(garbage)).hasMessageContaining("malformed command");
        byte[] write = replica.execute(
                SignedRequest.encode(0, 2, CommandCodec.encode(new Command.Heartbeat("a")), TestKeys.key(0)),
                1000,
                true);
        assertThatThrownBy(() -> ResultCodec.decode(write)).hasMessageContaining("must be ordered");
    }
}
