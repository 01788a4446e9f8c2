package io.crifailover.failover;

import static org.assertj.core.api.Assertions.assertThat;

import io.crifailover.placement.Xsave;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A real scheduler on a manual clock, a CRI runtime in process, Events into the fabric8 mock API (CRUD). */
@EnableKubernetesMockClient(crud = true)
class ProtectionReconcilerTest {
    static final CriuReadiness READY =
            new CriuReadiness(CriuReadiness.State.READY, "", "4.2.1", List.of(), Xsave.UNKNOWN, "", Instant.EPOCH);
    static final CriuReadiness NOT_READY = new CriuReadiness(
            CriuReadiness.State.NOT_READY,
            "criu check: hardware breakpoints missing",
            "4.2.1",
            List.of(),
            Xsave.UNKNOWN,
            "",
            Instant.EPOCH);

    KubernetesClient kube;

    /**
     * A reconciler of node-1 that is always opted in, never fenced and whose CRIU is ready, scheduling no-op
     * checkpoints on {@code timer}: the setting other units' tests need.
     */
    static ProtectionReconciler alwaysActive(
            FakeRuntime runtime, ProtectedSandboxes sandboxes, PodEvents events, ManualScheduler timer) {
        CheckpointScheduler scheduler =
                new CheckpointScheduler(timer, Runnable::run, (c, s) -> {}, i -> 0, Duration.ofMinutes(5));
        return new ProtectionReconciler(
                "node-1", runtime.stub(), sandboxes, scheduler, events, () -> true, () -> READY);
    }

    private final ManualScheduler timer = new ManualScheduler();
    private final List<String> checkpointed = new CopyOnWriteArrayList<>();
    private final AtomicBoolean active = new AtomicBoolean(true);
    private final AtomicReference<CriuReadiness> criu = new AtomicReference<>(READY);
    private FakeRuntime runtime;
    private PodEvents events;
    private ProtectionReconciler reconciler;

    @BeforeEach
    void setUp() throws Exception {
        runtime = FakeRuntime.withProtectedCartAndPlainWeb();
        events = new PodEvents(kube, "node-1");
        CheckpointScheduler scheduler = new CheckpointScheduler(
                timer, Runnable::run, (c, s) -> checkpointed.add(c.containerId()), i -> 0, Duration.ofMinutes(5));
        reconciler = new ProtectionReconciler(
                "node-1", runtime.stub(), new ProtectedSandboxes(), scheduler, events, active::get, criu::get);
    }

    @AfterEach
    void tearDown() {
        events.close();
        runtime.close();
    }

    @Test
    void runningContainersOfProtectedPodsAreCheckpointedAndNoOthers() {
        reconciler.reconcile();
        timer.advance(Duration.ofMillis(2500));

        assertThat(reconciler.scheduled()).containsExactly("c-1");
        assertThat(checkpointed).containsOnly("c-1").hasSize(3);
    }

    @Test
    void aContainerThatExitedIsNoLongerCheckpointed() {
        reconciler.reconcile();
        timer.advance(Duration.ofMillis(1500));
        runtime.exited("c-1");
        reconciler.reconcile();
        timer.advance(Duration.ofSeconds(3));

        assertThat(reconciler.count()).isZero();
        assertThat(checkpointed).containsExactly("c-1", "c-1");
    }

    @Test
    void nothingIsCheckpointedWhileProtectionIsOff() {
        reconciler.reconcile();
        timer.advance(Duration.ofMillis(1500));
        active.set(false);
        reconciler.reconcile();
        timer.advance(Duration.ofSeconds(3));

        assertThat(reconciler.scheduled()).isEmpty();
        assertThat(checkpointed).containsExactly("c-1", "c-1");
    }

    @Test
    void whenCriuCannotCheckpointEachProtectedPodIsToldOnceAndNothingIsScheduled() {
        criu.set(NOT_READY);
        reconciler.reconcile();
        reconciler.reconcile();

        assertThat(reconciler.scheduled()).isEmpty();
        PostedEvents.awaitOnly(kube, "shop", PodEvents.CANNOT_CHECKPOINT, "cart-0", "hardware breakpoints missing");
    }

    @Test
    void checkpointsStartOnceCriuIsReady() {
        criu.set(CriuReadiness.checking(Instant.EPOCH));
        reconciler.reconcile();
        assertThat(reconciler.scheduled()).isEmpty();

        criu.set(READY);
        reconciler.reconcile();
        assertThat(reconciler.scheduled()).containsExactly("c-1");
    }
}
