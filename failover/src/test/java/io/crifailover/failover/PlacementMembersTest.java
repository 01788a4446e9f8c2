package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crifailover.placement.ClusterConfig;
import io.crifailover.placement.NodeKey;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlacementMembersTest {
    private static final List<NodeKey> KEYS =
            List.of(NodeKey.generate(), NodeKey.generate(), NodeKey.generate(), NodeKey.generate());

    private static FailoverConfig config(List<FailoverConfig.Member> members) {
        return new FailoverConfig(
                "n0",
                "10.0.0.1",
                Path.of("/tmp/state"),
                members,
                1,
                11000,
                5050,
                7070,
                Path.of("/tmp/key"),
                null,
                null,
                4,
                FailoverConfig.Timing.defaults());
    }

    private static List<FailoverConfig.Member> members() {
        List<FailoverConfig.Member> members = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            members.add(new FailoverConfig.Member(
                    "n" + i, "10.0.0." + (i + 1), i, KEYS.get(i).publicKeyText()));
        }
        return members;
    }

    @Test
    void everyMemberCarriesItsKeyAndNodeName() {
        ClusterConfig placement = PlacementMembers.of(config(members()), KEYS.get(0));
        assertThat(placement.members()).hasSize(4);
        assertThat(placement.members().get(2).node()).isEqualTo("n2");
        assertThat(placement.members().get(2).publicKey()).isEqualTo(KEYS.get(2).publicKeyText());
        assertThat(placement.members().get(2).port()).isEqualTo(11000);
    }

    @Test
    void aMemberWithoutAKeyOrAnotherKeyForThisNodeIsRefusedNamingThisNodesKey() {
        List<FailoverConfig.Member> missing = members();
        missing.set(0, new FailoverConfig.Member("n0", "10.0.0.1", 0));
        assertThatThrownBy(() -> PlacementMembers.of(config(missing), KEYS.get(0)))
                .hasMessageContaining("member n0 has no publicKey")
                .hasMessageContaining(KEYS.get(0).publicKeyText());
        assertThatThrownBy(() -> PlacementMembers.of(config(members()), KEYS.get(1)))
                .hasMessageContaining("is not this node's key")
                .hasMessageContaining(KEYS.get(1).publicKeyText());
    }
}
