package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;

import io.crifailover.placement.DecisionStatus;
import io.crifailover.placement.RestoreDecision;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link FenceHold}: when a protected container may not be created or started on this node. */
class FenceHoldTest {
    private static final boolean FENCED = true;
    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    private final FenceHold hold = heard(new FenceHold("node-1", t0.minusSeconds(60)));
    private final ProtectedSandboxes.Sandbox counter = sandbox("uid-counter", "counter");
    private final ProtectedSandboxes.Sandbox redis = sandbox("uid-redis", "redis");

    private static ProtectedSandboxes.Sandbox sandbox(String uid, String pod) {
        return new ProtectedSandboxes.Sandbox(
                "sb-" + pod,
                "default",
                pod,
                uid,
                Map.of(),
                Map.of(),
                new ProtectionSettings(Duration.ofSeconds(1), Set.of(), 3));
    }

    private static RestoreDecision decision(String pod, long failedEpoch, DecisionStatus status) {
        return new RestoreDecision(
                "default/Pod/" + pod + "/" + pod + "/app",
                7,
                "node-1",
                failedEpoch,
                status == DecisionStatus.NO_COMPATIBLE_NODE ? "" : "node-2",
                status,
                "sha256:00",
                3,
                "node-1 failed");
    }

    /** A hold whose shim has heard from placement since it started. */
    private FenceHold heard(FenceHold fresh) {
        fresh.heartbeat(t0.minusSeconds(59), OptionalLong.empty(), List.of());
        return fresh;
    }

    private boolean refused(boolean fencedNow, ProtectedSandboxes.Sandbox sb) {
        return hold.refusal(fencedNow, FenceHold.Pod.of(sb), "app").isPresent();
    }

    @Test
    void aShimJustStartedHoldsUntilAHeartbeatSentAfterItsStartIsAnswered() {
        FenceHold fresh = new FenceHold("node-1", t0);
        assertThat(fresh.refusal(!FENCED, FenceHold.Pod.of(counter), "app"))
                .as("it may have been declared failed while the shim was away")
                .hasValueSatisfying(why -> assertThat(why).contains("shim started"));
        fresh.heartbeat(t0.plusMillis(100), OptionalLong.empty(), List.of(counter));
        assertThat(fresh.holding(!FENCED)).isFalse();
    }

    @Test
    void aNodeNeverFencedHoldsNothing() {
        assertThat(hold.holding(!FENCED)).isFalse();
        assertThat(refused(!FENCED, counter)).isFalse();
    }

    @Test
    void whileFencedEveryProtectedContainerIsRefusedSayingWhy() {
        assertThat(hold.holding(FENCED)).isTrue();
        assertThat(hold.refusal(FENCED, FenceHold.Pod.of(counter), "app"))
                .hasValueSatisfying(why -> assertThat(why)
                        .contains("node-1 is fenced")
                        .contains("app")
                        .contains("default/counter"));
    }

    @Test
    void afterTheLeaseIsRenewedTheHoldLastsUntilAHeartbeatSentAfterTheFenceIsAnswered() {
        hold.fenced(t0, List.of(counter));
        assertThat(hold.refusal(!FENCED, FenceHold.Pod.of(counter), "app"))
                .as("renewed by some call, but the node does not know yet whether it was declared failed")
                .hasValueSatisfying(why -> assertThat(why).contains("has not yet heard"));

        hold.heartbeat(t0.minusMillis(1), OptionalLong.empty(), List.of(counter));
        assertThat(refused(!FENCED, counter))
                .as("a heartbeat sent before the fence says nothing about what happened after it")
                .isTrue();

        hold.heartbeat(t0.plusMillis(1), OptionalLong.empty(), List.of(counter));
        assertThat(refused(!FENCED, counter))
                .as("not declared failed: nobody restored it")
                .isFalse();
        assertThat(hold.holding(!FENCED)).isFalse();
    }

    @Test
    void declaredFailedLosesThePodsAtRiskAndThoseProtectedNowUntilTheDecisionsAreRead() {
        hold.fenced(t0, List.of(counter));
        hold.heartbeat(t0.plusSeconds(4), OptionalLong.of(5), List.of(redis));

        assertThat(hold.unresolvedEpoch()).hasValue(4);
        assertThat(hold.refusal(!FENCED, FenceHold.Pod.of(counter), "app"))
                .hasValueSatisfying(why -> assertThat(why).contains("declared failed in epoch 4"));
        assertThat(refused(!FENCED, redis)).isTrue();
        assertThat(refused(!FENCED, sandbox("uid-new", "fresh")))
                .as("a pod that came after the verdict (e.g. a replacement restored here)")
                .isFalse();
    }

    @Test
    void aLostPodWithADecisionForThatFailureStaysRefusedAndOneWithoutIsReleased() {
        hold.heartbeat(t0, OptionalLong.of(5), List.of(counter, redis));
        hold.resolve(
                4,
                List.of(
                        decision("counter", 4, DecisionStatus.COMPLETED),
                        decision("redis", 2, DecisionStatus.COMPLETED)));

        assertThat(hold.unresolvedEpoch()).isEmpty();
        assertThat(refused(!FENCED, counter)).as("restored elsewhere").isTrue();
        assertThat(refused(!FENCED, redis))
                .as("only an older failure's decision: not restored anywhere this time")
                .isFalse();
    }

    @Test
    void aDecisionWithoutACompatibleNodeStillHoldsThePod() {
        hold.heartbeat(t0, OptionalLong.of(5), List.of(counter));
        hold.resolve(4, List.of(decision("counter", 4, DecisionStatus.NO_COMPATIBLE_NODE)));
        assertThat(refused(!FENCED, counter))
                .as("placement may still pick a target for it")
                .isTrue();
    }

    @Test
    void aPodWhoseRestoreOntoThisNodeWasStillPendingIsHeldByTheRedecision() {
        hold.heartbeat(t0, OptionalLong.of(5), List.of(counter));
        RestoreDecision redecided = new RestoreDecision(
                "default/Pod/counter/counter/app",
                9,
                "node-3",
                2,
                "node-2",
                DecisionStatus.PENDING,
                "sha256:00",
                3,
                "");
        hold.resolve(4, List.of(redecided));
        assertThat(refused(!FENCED, counter))
                .as("node-1 failed before it acknowledged node-3's pod: placement restores it on node-2 now")
                .isTrue();
    }

    @Test
    void anOlderRestoreOntoThisNodeDoesNotHoldThePod() {
        hold.heartbeat(t0, OptionalLong.of(5), List.of(counter));
        RestoreDecision done = new RestoreDecision(
                "default/Pod/counter/counter/app",
                9,
                "node-3",
                2,
                "node-1",
                DecisionStatus.COMPLETED,
                "sha256:00",
                3,
                "");
        hold.resolve(4, List.of(done));
        assertThat(refused(!FENCED, counter)).isFalse();
    }

    @Test
    void aLostPodGoneFromTheApiIsForgotten() {
        hold.heartbeat(t0, OptionalLong.of(5), List.of(counter));
        hold.resolve(4, List.of(decision("counter", 4, DecisionStatus.PENDING)));
        hold.podGone("uid-counter");
        assertThat(hold.holding(!FENCED)).isFalse();
    }

    @Test
    void aLaterFenceIsHeldAgain() {
        hold.fenced(t0, List.of(counter));
        hold.heartbeat(t0.plusSeconds(1), OptionalLong.empty(), List.of(counter));
        hold.fenced(t0.plusSeconds(10), List.of(counter));
        assertThat(refused(!FENCED, counter)).isTrue();
        hold.heartbeat(t0.plusSeconds(9), OptionalLong.empty(), List.of(counter));
        assertThat(refused(!FENCED, counter)).isTrue();
    }
}
