package io.crifailover.failover;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts Kubernetes Events on pods so operators see checkpoints, failovers and restores in
 * {@code kubectl describe pod}. Events are sent from a background thread: posting never blocks
 * or fails the caller; a failure is logged.
 */
public final class PodEvents implements AutoCloseable {
    public static final String CHECKPOINTED = "Checkpointed";
    public static final String CHECKPOINT_FAILED = "CheckpointFailed";
    public static final String RESTORING = "Restoring";
    public static final String RESTORED = "Restored";
    public static final String RESTORE_REFUSED = "RestoreRefused";
    public static final String RESTORE_FAILED = "RestoreFailed";
    public static final String FENCED = "Fenced";
    public static final String CHECKPOINT_SLOW = "CheckpointSlow";
    public static final String CANNOT_CHECKPOINT = "CannotCheckpoint";

    private static final Logger LOG = LoggerFactory.getLogger(PodEvents.class);
    private static final String COMPONENT = "cri-failover";

    private final KubernetesClient kube;
    private final String nodeName;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "pod-events");
        t.setDaemon(true);
        return t;
    });

    public PodEvents(KubernetesClient kube, String nodeName) {
        this.kube = kube;
        this.nodeName = nodeName;
    }

    public void normal(String namespace, String pod, String podUid, String reason, String message) {
        post(namespace, pod, podUid, "Normal", reason, message);
    }

    public void warning(String namespace, String pod, String podUid, String reason, String message) {
        post(namespace, pod, podUid, "Warning", reason, message);
    }

    private void post(String namespace, String pod, String podUid, String type, String reason, String message) {
        Instant now = Instant.now();
        var event = new EventBuilder()
                .withNewMetadata()
                .withNamespace(namespace)
                .withName(pod + "." + Long.toHexString(now.getEpochSecond() * 1_000_000_000L + now.getNano()))
                .endMetadata()
                .withNewInvolvedObject()
                .withKind("Pod")
                .withApiVersion("v1")
                .withNamespace(namespace)
                .withName(pod)
                .withUid(podUid)
                .endInvolvedObject()
                .withType(type)
                .withReason(reason)
                .withMessage(message)
                .withCount(1)
                .withFirstTimestamp(now.toString())
                .withLastTimestamp(now.toString())
                .withNewSource()
                .withComponent(COMPONENT)
                .withHost(nodeName)
                .endSource()
                .withReportingComponent(COMPONENT)
                .withReportingInstance(nodeName)
                .build();
        sender.execute(() -> {
            try {
                kube.v1().events().inNamespace(namespace).resource(event).create();
            } catch (RuntimeException e) {
                LOG.warn("event {} on pod {}/{} not posted: {}", reason, namespace, pod, e.toString());
            }
        });
    }

    @Override
    public void close() {
        sender.shutdown();
        try {
            sender.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
