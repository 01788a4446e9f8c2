package io.crifailover.failover;

import io.crifailover.placement.NodeInfo;
import io.crifailover.placement.PlacementClient;
import io.crifailover.placement.Result;
import io.crifailover.protos.cri.Container;
import io.crifailover.protos.cri.ContainerFilter;
import io.crifailover.protos.cri.CreateContainerRequest;
import io.crifailover.protos.cri.ListContainersRequest;
import io.crifailover.protos.cri.PodSandboxConfig;
import io.crifailover.protos.cri.PodSandboxStatusRequest;
import io.crifailover.protos.cri.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Applies the {@link FenceHold} rule to the CRI calls that would bring a protected container back
 * (CreateContainer, StartContainer) and feeds the hold what it learns: the fence, each heartbeat
 * answer (was this node declared failed meanwhile, and in which epoch), placement's decisions, pods
 * deleted from the API. A call is looked at only while a hold is in force; the runtime is asked
 * about a container's sandbox only then.
 */
public final class FenceGate {
    private static final long RUNTIME_DEADLINE_MS = 2_000;

    private final String nodeName;
    private final FenceHold hold;
    private final BooleanSupplier fencedNow;
    private final ProtectedSandboxes sandboxes;
    private final RuntimeServiceBlockingStub runtime;

    /** @param fencedNow whether the node's placement lease has run out now */
    public FenceGate(
            String nodeName,
            FenceHold hold,
            BooleanSupplier fencedNow,
            ProtectedSandboxes sandboxes,
            RuntimeServiceBlockingStub runtime) {
        this.nodeName = nodeName;
        this.hold = hold;
        this.fencedNow = fencedNow;
        this.sandboxes = sandboxes;
        this.runtime = runtime;
    }

    /** The node fences now: the pods protected here are at risk until it knows its standing. */
    public void fenced() {
        hold.fenced(Instant.now(), sandboxes.all());
    }

    /**
     * A heartbeat sent at {@code sent} was answered: a {@link Result.Outcome#REJOINED} answer means placement had
     * declared this node failed (its epoch then is one below the one it rejoined in, read from placement); the
     * decisions of an unresolved failure are then read to release the pods not restored elsewhere.
     */
    public void heartbeatAnswered(PlacementClient client, Instant sent, Result.Ack beat) {
        OptionalLong rejoinedIn = OptionalLong.empty();
        if (beat.outcome() == Result.Outcome.REJOINED) {
            rejoinedIn = client.nodes().stream()
                    .filter(n -> n.name().equals(nodeName))
                    .mapToLong(NodeInfo::epoch)
                    .findFirst();
        }
        hold.heartbeat(sent, rejoinedIn, sandboxes.all());
        OptionalLong epoch = hold.unresolvedEpoch();
        if (epoch.isPresent()) {
            hold.resolve(epoch.getAsLong(), client.decisions(""));
        }
    }

    /** The pod with this UID is gone from the API: nothing of it will start here again. */
    public void podGone(String podUid) {
        hold.podGone(podUid);
    }

    /** Why this CreateContainer must be refused: a protected container of a pod this node must not run now. */
    public Optional<String> createRefusal(CreateContainerRequest request) {
        boolean fenced = fencedNow.getAsBoolean();
        if (!hold.holding(fenced)) {
            return Optional.empty();
        }
        String name = request.getConfig().getMetadata().getName();
        return protectedSandbox(request.getPodSandboxId(), request.getSandboxConfig())
                .filter(sb -> sb.settings().covers(name))
                .flatMap(sb -> hold.refusal(fenced, FenceHold.Pod.of(sb), name));
    }

    /** Why this StartContainer must be refused; empty otherwise. */
    public Optional<String> startRefusal(String containerId) {
        boolean fenced = fencedNow.getAsBoolean();
        if (!hold.holding(fenced)) {
            return Optional.empty();
        }
        List<Container> found = runtime.withDeadlineAfter(RUNTIME_DEADLINE_MS, TimeUnit.MILLISECONDS)
                .listContainers(ListContainersRequest.newBuilder()
                        .setFilter(ContainerFilter.newBuilder().setId(containerId))
                        .build())
                .getContainersList();
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Container c = found.get(0);
        String name = c.getMetadata().getName();
        return protectedSandbox(c.getPodSandboxId(), null)
                .filter(sb -> sb.settings().covers(name))
                .flatMap(sb -> hold.refusal(fenced, FenceHold.Pod.of(sb), name));
    }

    /** The protected sandbox {@code id}: from the registry, else from {@code config} (kubelet's copy), else the runtime. */
    private Optional<ProtectedSandboxes.Sandbox> protectedSandbox(String id, PodSandboxConfig config) {
        Optional<ProtectedSandboxes.Sandbox> known = sandboxes.get(id);
        if (known.isPresent()) {
            return known;
        }
        PodSandboxConfig c = config;
        if (c == null || !c.hasMetadata()) {
            var status = runtime.withDeadlineAfter(RUNTIME_DEADLINE_MS, TimeUnit.MILLISECONDS)
                    .podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                            .setPodSandboxId(id)
                            .build())
                    .getStatus();
            c = PodSandboxConfig.newBuilder()
                    .setMetadata(status.getMetadata())
                    .putAllAnnotations(status.getAnnotationsMap())
                    .build();
        }
        try {
            PodSandboxConfig sandbox = c;
            return ProtectionSettings.fromAnnotations(sandbox.getAnnotationsMap())
                    .map(s -> new ProtectedSandboxes.Sandbox(
                            id,
                            sandbox.getMetadata().getNamespace(),
                            sandbox.getMetadata().getName(),
                            sandbox.getMetadata().getUid(),
                            Map.of(),
                            Map.of(),
                            s));
        } catch (InvalidSettingsException e) {
            return Optional.empty();
        }
    }
}
