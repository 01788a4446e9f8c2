package io.crifailover.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestAuthenticatorTest {
    private final MemberKeys members = new MemberKeys(
            Map.of(0, TestKeys.key(0).publicKey(), 1, TestKeys.key(1).publicKey()), Map.of(1, "node-b"));

    private static byte[] signed(int member, long number, Command command, NodeKey key) {
        return SignedRequest.encode(member, number, CommandCodec.encode(command), key);
    }

    @Test
    void admitsAMembersSignedRequestAsThatMember() {
        RequestAuthenticator gate = new RequestAuthenticator(members);
        RequestAuthenticator.Admission a =
                gate.admit(signed(0, 5, new Command.Heartbeat("node-a"), TestKeys.key(0)), true);
        assertThat(a.refusal()).isEmpty();
        assertThat(a.member()).isZero();
        assertThat(a.command()).isEqualTo(new Command.Heartbeat("node-a"));
    }

    @Test
    void refusesUnsignedRequestsStrangersAndAnotherMembersSignature() {
        RequestAuthenticator gate = new RequestAuthenticator(members);
        assertThat(gate.admit(CommandCodec.encode(new Command.Heartbeat("node-a")), true)
                        .refusal())
                .hasValueSatisfying(r -> assertThat(r).contains("malformed signed request"));
        NodeKey stranger = TestKeys.key(99);
        assertThat(gate.admit(signed(99, 1, new Command.Heartbeat("x"), stranger), true)
                        .refusal())
                .hasValueSatisfying(r -> assertThat(r).contains("not in the cluster"));
        assertThat(gate.admit(signed(0, 1, new Command.Heartbeat("node-a"), TestKeys.key(1)), true)
                        .refusal())
                .as("member 1 signing as member 0")
                .hasValueSatisfying(r -> assertThat(r).contains("bad signature for member 0"));
        assertThat(gate.admit(signed(0, 1, new Command.Heartbeat("node-a"), stranger), true)
                        .refusal())
                .hasValueSatisfying(r -> assertThat(r).contains("bad signature"));
    }

    @Test
    void refusesReplayedAndOldRequestNumbersButReadsNeedNone() {
        RequestAuthenticator gate = new RequestAuthenticator(members);
        byte[] beat = signed(0, 10, new Command.Heartbeat("node-a"), TestKeys.key(0));
        assertThat(gate.admit(beat, true).refusal()).isEmpty();
        assertThat(gate.admit(beat, true).refusal())
                .hasValueSatisfying(r -> assertThat(r).isEqualTo(RequestAuthenticator.STALE + 10));
        assertThat(gate.admit(signed(0, 9, new Command.Heartbeat("node-a"), TestKeys.key(0)), true)
                        .refusal())
                .isPresent();
        assertThat(gate.admit(beat, false).refusal())
                .as("unordered path changes nothing")
                .isEmpty();
        assertThat(gate.lastNumbers()).containsEntry(0, 10L);
    }

    @Test
    void aMemberWithANodeActsOnlyForThatNode() {
        RequestAuthenticator gate = new RequestAuthenticator(members);
        assertThat(gate.admit(signed(1, 1, new Command.Suspect("node-a", "node-c", 1), TestKeys.key(1)), true)
                        .refusal())
                .hasValueSatisfying(r -> assertThat(r).contains("member 1 is node node-b and may not act for node-a"));
        assertThat(gate.admit(signed(1, 2, new Command.Suspect("node-b", "node-c", 1), TestKeys.key(1)), true)
                        .refusal())
                .isEmpty();
        assertThat(gate.admit(signed(1, 3, new Command.QueryNodes(), TestKeys.key(1)), true)
                        .refusal())
                .isEmpty();
    }

    @Test
    void aBatchOfCheckpointsActsForItsSourceNodeOnly() {
        RequestAuthenticator gate = new RequestAuthenticator(members);
        List<Command.CheckpointEntry> entries =
                List.of(new Command.CheckpointEntry("c1", "sha256:1", 1, List.of(), List.of("node-a")));
        assertThat(gate.admit(signed(1, 1, new Command.RecordCheckpoints("node-a", entries), TestKeys.key(1)), true)
                        .refusal())
                .hasValueSatisfying(r -> assertThat(r).contains("member 1 is node node-b and may not act for node-a"));
        assertThat(gate.admit(signed(1, 2, new Command.RecordCheckpoints("node-b", entries), TestKeys.key(1)), true)
                        .refusal())
                .isEmpty();
    }

    @Test
    void requestNumbersSurviveASnapshot() {
        RequestAuthenticator gate = new RequestAuthenticator(members);
        gate.admit(signed(0, 7, new Command.Heartbeat("node-a"), TestKeys.key(0)), true);
        WireOutput out = new WireOutput();
        gate.write(out);
        RequestAuthenticator restored = new RequestAuthenticator(members);
        restored.read(new WireInput(out.toByteArray(), "test"));
        assertThat(restored.admit(signed(0, 7, new Command.Heartbeat("node-a"), TestKeys.key(0)), true)
                        .refusal())
                .isPresent();
    }
}
