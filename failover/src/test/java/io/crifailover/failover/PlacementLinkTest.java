package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.atLeast;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.crifailover.placement.NodeInfo;
import io.crifailover.placement.NodeStatus;
import io.crifailover.placement.PlacementClient;
import io.crifailover.placement.Result;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PlacementLinkTest {
    private final PlacementClient client = mock(PlacementClient.class);
    private final AtomicLong peerEpoch = new AtomicLong(1);
    private final AtomicInteger heartbeats = new AtomicInteger();
    private PlacementLink link;

    @BeforeEach
    void setUp() {
        when(client.registerNode(
                        anyString(),
                        anyString(),
                        anyString(),
                        org.mockito.ArgumentMatchers.anyList(),
                        org.mockito.ArgumentMatchers.anyInt(),
                        org.mockito.ArgumentMatchers.anyBoolean(),
                        org.mockito.ArgumentMatchers.any()))
                .thenReturn(new Result.Ack(true, "registered a"));
        when(client.heartbeat("a")).thenAnswer(i -> {
            heartbeats.incrementAndGet();
            return new Result.Ack(true, "a live in epoch 1");
        });
        when(client.reportLoad(anyString(), org.mockito.ArgumentMatchers.anyInt()))
                .thenReturn(new Result.Ack(true, "load"));
        when(client.decisions("a")).thenReturn(List.of());
        when(client.nodes())
                .thenAnswer(i -> List.of(new NodeInfo(
                        "b", "10.0.0.2", "x86_64", List.of(), 4, 0, NodeStatus.LIVE, peerEpoch.get(), 1001)));
        link = TestLinks.of(client, "a", "10.0.0.1");
    }

    @AfterEach
    void tearDown() {
        link.close();
    }

    @Test
    void aVoteLostToAFailedCallIsSentAgainWithTheHeartbeat() {
        when(client.suspect("a", "b", 1))
                .thenThrow(new IllegalStateException("no quorum"))
                .thenReturn(new Result.SuspectOutcome(true, "1 of 2 suspicions", 1, NodeStatus.LIVE));
        link.start(Duration.ofMillis(20), () -> 0, d -> {});
        link.suspect("b");
        await().untilAsserted(() -> verify(client, atLeast(2)).suspect("a", "b", 1));
    }

    @Test
    void everyAnsweredHeartbeatIsHandedOnWithTheTimeItWasSent() {
        java.time.Instant before = java.time.Instant.now();
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        link.onHeartbeat((c, sent, beat) -> {
            if (!sent.isBefore(before)) {
                seen.add(beat.detail());
            }
        });
        link.start(Duration.ofMillis(20), () -> 0, d -> {});
        await().until(() -> seen.contains("a live in epoch 1"));
    }

    @Test
    void anAcceptedVoteIsNotRepeated() throws InterruptedException {
        when(client.suspect("a", "b", 1)).thenReturn(new Result.SuspectOutcome(true, "1 of 2", 1, NodeStatus.LIVE));
        link.start(Duration.ofMillis(20), () -> 0, d -> {});
        link.suspect("b");
        await().untilAsserted(() -> verify(client).suspect("a", "b", 1));
        awaitHeartbeatRounds(5);
        verify(client).suspect("a", "b", 1);
    }

    @Test
    void theVoteUsesThePeersEpochWhenItIsSentNotWhenItWasFirstSuspected() {
        when(client.suspect(eq("a"), eq("b"), anyLong()))
                .thenReturn(new Result.SuspectOutcome(false, "unknown node b", 0, NodeStatus.LIVE));
        link.start(Duration.ofMillis(20), () -> 0, d -> {});
        link.suspect("b");
        await().untilAsserted(() -> verify(client, atLeast(1)).suspect("a", "b", 1));
        peerEpoch.set(3);
        await().untilAsserted(() -> verify(client, atLeast(1)).suspect("a", "b", 3));
    }

    @Test
    void aPeerThatAnswersAgainIsNoLongerVotedAgainst() {
        AtomicInteger votes = new AtomicInteger();
        when(client.suspect(eq("a"), eq("b"), anyLong())).thenAnswer(i -> {
            votes.incrementAndGet();
            return new Result.SuspectOutcome(false, "unknown node b", 0, NodeStatus.LIVE);
        });
        link.start(Duration.ofMillis(20), () -> 0, d -> {});
        link.suspect("b");
        await().until(() -> votes.get() >= 2);
        link.cleared("b");
        awaitHeartbeatRounds(2);
        int after = votes.get();
        awaitHeartbeatRounds(5);
        assertThat(votes.get()).isEqualTo(after);
    }

    /** Waits until the link has sent {@code rounds} more heartbeats: votes are re-sent with each one. */
    private void awaitHeartbeatRounds(int rounds) {
        int start = heartbeats.get();
        await().until(() -> heartbeats.get() >= start + rounds);
    }
}
