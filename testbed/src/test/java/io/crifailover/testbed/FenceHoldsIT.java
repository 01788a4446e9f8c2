package io.crifailover.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.crifailover.failover.PodEvents;
import io.crifailover.protos.cri.Container;
import io.crifailover.protos.cri.ContainerState;
import io.crifailover.protos.cri.ContainerStatus;
import io.crifailover.protos.cri.ContainerStatusRequest;
import io.crifailover.protos.cri.ListContainersRequest;
import io.crifailover.testsupport.TestImages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fence holds against kubelet: the node agents restart exited containers as kubelet does
 * (restartPolicy Always), so after a cut-off node fences its protected container its agent tries to
 * start it again, and the shim must refuse (FAILED_PRECONDITION) until the node is back and its pod
 * is bound elsewhere. Across several cut-offs of whichever node runs the pod, containerd's own
 * timestamps (created, started, finished, read from every node's containerd directly) never show
 * two copies running at once. Cut-offs: {@code -Dfence.it.cutoffs=N} (default 3; 10 for the
 * measured series).
 */
@Tag("integration")
class FenceHoldsIT {
    private static final Logger LOG = LoggerFactory.getLogger(FenceHoldsIT.class);
    private static final String POD = "fenced";
    private static final String REFUSED_CREATES =
            "cri_shim_calls_refused_total{code=\"FAILED_PRECONDITION\",method=\"runtime.v1.RuntimeService/CreateContainer\"";

    @Test
    @EnabledIfSystemProperty(
            named = "fence.it",
            matches = "true",
            disabledReason =
                    "opt-in (-Dfence.it=true): in 1 of 3 clean-clone runs on 2026-12-07 the copy restored on node-2"
                            + " exited on its own 4 s after its restore and the agent restarted it (node-2 not fenced), so"
                            + " the strict copy count failed; why it exited is not known yet (issue 14 item 3)")
    void aFencedCopyIsNeverStartedAgainAndTwoCopiesNeverRunAtOnce() {
        int cutoffs = Integer.getInteger("fence.it.cutoffs", 3);
        try (FailoverBed bed = FailoverBed.start(FailoverBed.Options.defaults());
                CopyTimes copies = new CopyTimes(bed)) {
            PodEventsView events = new PodEventsView(bed.kube());
            bed.createProtectedPod(POD, "node-1", TestImages.shared().counterImage(), "1s");
            try {
                cutOffs(bed, events, cutoffs);
            } finally {
                // whatever became of the failovers, two copies must never have run at once
                copies.close();
                assertNeverTwoAtOnce(copies.started());
            }
            assertThat(copies.started())
                    .as("one copy per placement: the original and one restore per cut-off, no restart of a fenced one")
                    .hasSize(cutoffs + 1);
        }
    }

    private static void assertNeverTwoAtOnce(List<CopyTimes.Copy> all) {
        LOG.info("copies of {} seen by containerd: {}", POD, all);
        for (int i = 1; i < all.size(); i++) {
            assertThat(all.get(i - 1).finishedAt())
                    .as("copy %s stopped before copy %s started", all.get(i - 1), all.get(i))
                    .isPositive()
                    .isLessThan(all.get(i).startedAt());
        }
    }

    private static void cutOffs(FailoverBed bed, PodEventsView events, int cutoffs) {
        for (int round = 1; round <= cutoffs; round++) {
            String source = await("the pod runs somewhere")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> runningOn(bed).orElse(null), n -> n != null);
            long checkpoints = events.count("default", POD, PodEvents.CHECKPOINTED);
            await("two checkpoints of the copy on " + source)
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> events.count("default", POD, PodEvents.CHECKPOINTED) > checkpoints + 1);
            NodeAgent agent = bed.node(source).agent();
            long refusedBefore = agent.refusedRestarts();
            long metricBefore = refusedCreates(bed.node(source));

            bed.cutOff(source);
            String target = await("round " + round + ": the pod is bound elsewhere than " + source)
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> bed.nodeOf(POD).orElse(source), n -> !n.equals(source));
            await("round " + round + ": the agent on " + source + " restarts the fenced copy and is refused")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> agent.refusedRestarts() > refusedBefore);
            assertThat(refusedCreates(bed.node(source)))
                    .as("the shim counts its refusals")
                    .isGreaterThan(metricBefore);
            await("round " + round + ": the restored copy runs on " + target)
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> runningOn(bed).filter(target::equals).isPresent());

            bed.reconnect(source);
            await("round " + round + ": " + source + " cleaned up the pod bound elsewhere")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> agent.pods().values().stream()
                            .noneMatch(p -> p.name().equals(POD)));
            await("round " + round + ": all four nodes live again")
                    .atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> bed.nodes().stream().allMatch(n -> StatusPage.liveMembers(n) == 4));
            LOG.info(
                    "round {}: {} -> {}, {} refused restarts on {}",
                    round,
                    source,
                    target,
                    agent.refusedRestarts() - refusedBefore,
                    source);
        }
    }

    /** The node whose containerd runs the pod's app container now, if one does. */
    private static java.util.Optional<String> runningOn(FailoverBed bed) {
        return bed.nodeOf(POD)
                .filter(node -> bed.appContainer(node, POD)
                        .map(id -> status(bed.node(node), id).getState() == ContainerState.CONTAINER_RUNNING)
                        .orElse(false));
    }

    private static ContainerStatus status(BedNode node, String id) {
        return node.containerd()
                .cri()
                .runtime()
                .containerStatus(
                        ContainerStatusRequest.newBuilder().setContainerId(id).build())
                .getStatus();
    }

    /** The shim's count of CreateContainer calls it refused with FAILED_PRECONDITION (its /metrics page). */
    private static long refusedCreates(BedNode node) {
        String authorization;
        try {
            authorization = StatusPage.authorization(node);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("metrics token of " + node.name() + " unreadable", e);
        }
        var r = node.netns().exec("curl", "-sf", "-m", "5", "-H", authorization, "http://127.0.0.1:9464/metrics");
        if (!r.ok()) {
            throw new IllegalStateException("metrics of " + node.name() + " unavailable: " + r.output());
        }
        return r.output()
                .lines()
                .filter(l -> l.startsWith(REFUSED_CREATES))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    /**
     * Every copy of the pod's app container that any node's containerd reports, with containerd's timestamps, polled
     * every 100 ms straight from containerd (not through the shims) so that a copy removed later is still known.
     */
    private static final class CopyTimes implements AutoCloseable {
        /** One container as its node's containerd last reported it (ns since the epoch; 0 = not yet). */
        record Copy(String node, String id, long createdAt, long startedAt, long finishedAt) {}

        private final FailoverBed bed;
        private final Map<String, Copy> byId = new ConcurrentHashMap<>();
        private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor();

        CopyTimes(FailoverBed bed) {
            this.bed = bed;
            poller.scheduleWithFixedDelay(this::poll, 0, 100, TimeUnit.MILLISECONDS);
        }

        private void poll() {
            for (BedNode node : bed.nodes()) {
                try {
                    for (Container c : node.containerd()
                            .cri()
                            .runtime()
                            .listContainers(ListContainersRequest.getDefaultInstance())
                            .getContainersList()) {
                        if (!POD.equals(c.getLabelsMap().get("io.kubernetes.pod.name"))) {
                            continue;
                        }
                        ContainerStatus s = status(node, c.getId());
                        byId.put(
                                c.getId(),
                                new Copy(
                                        node.name(), c.getId(), s.getCreatedAt(), s.getStartedAt(), s.getFinishedAt()));
                    }
                } catch (RuntimeException e) {
                    LOG.debug("containerd of {} not read: {}", node.name(), e.toString());
                }
            }
        }

        /** The copies that ever started, in the order they started; a running one has finishedAt 0. */
        List<Copy> started() {
            List<Copy> out = new ArrayList<>(
                    byId.values().stream().filter(c -> c.startedAt() > 0).toList());
            out.sort(Comparator.comparingLong(Copy::startedAt));
            return out;
        }

        @Override
        public void close() {
            poller.shutdownNow();
            try {
                poller.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
