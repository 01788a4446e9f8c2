package io.crifailover.failover;

import io.crifailover.protos.cri.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import io.crifailover.protos.cri.StopContainerRequest;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node does when its placement lease runs out: it stops every protected container that
 * runs, at once (timeout 0), so that only the copy the cluster restores elsewhere runs, and posts a
 * {@code Fenced} Event on each pod.
 */
public final class ContainerFence {
    private static final Logger LOG = LoggerFactory.getLogger(ContainerFence.class);
    private static final Duration STOP_DEADLINE = Duration.ofSeconds(10);

    private final String nodeName;
    private final Duration fenceTimeout;
    private final RuntimeServiceBlockingStub runtime;
    private final ProtectedSandboxes sandboxes;
    private final ProtectionReconciler protection;
    private final PodEvents events;

    /** @param fenceTimeout the lease whose expiry fences the node (named in the Event) */
    public ContainerFence(
            String nodeName,
            Duration fenceTimeout,
            RuntimeServiceBlockingStub runtime,
            ProtectedSandboxes sandboxes,
            ProtectionReconciler protection,
            PodEvents events) {
        this.nodeName = nodeName;
        this.fenceTimeout = fenceTimeout;
        this.runtime = runtime;
        this.sandboxes = sandboxes;
        this.protection = protection;
        this.events = events;
    }

    /** Stops the running protected containers; a container that cannot be stopped is logged and the rest go on. */
    public void stopProtectedContainers() {
        for (ProtectedSandboxes.Protected p : sandboxes.runningProtectedContainers(runtime)) {
            ContainerRef c = p.container();
            protection.unprotect(c.containerId());
            try {
                runtime.withDeadlineAfter(STOP_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                        .stopContainer(StopContainerRequest.newBuilder()
                                .setContainerId(c.containerId())
                                .setTimeout(0)
                                .build());
                LOG.warn("fenced {}", c);
                events.warning(
                        c.namespace(),
                        c.podName(),
                        c.podUid(),
                        PodEvents.FENCED,
                        "node " + nodeName + " lost the placement quorum for " + fenceTimeout.toMillis()
                                + " ms; stopped " + c.containerName() + " so that only one copy runs");
            } catch (RuntimeException e) {
                LOG.error("fencing {} failed: {}", c, e.toString());
            }
        }
    }
}
