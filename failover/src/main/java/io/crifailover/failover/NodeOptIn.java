package io.crifailover.failover;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches this node's {@value #ANNOTATION} annotation. Protection runs only while it is
 * {@code "true"}; the listener hears every change.
 */
public final class NodeOptIn implements AutoCloseable {
    public static final String ANNOTATION = "cri-failover.io/enabled";
    private static final Logger LOG = LoggerFactory.getLogger(NodeOptIn.class);

    private final KubernetesClient kube;
    private final String nodeName;
    private final Consumer<Boolean> listener;
    private volatile boolean enabled;
    private SharedIndexInformer<Node> informer;

    public NodeOptIn(KubernetesClient kube, String nodeName, Consumer<Boolean> listener) {
        this.kube = kube;
        this.nodeName = nodeName;
        this.listener = listener;
    }

    public NodeOptIn start() {
        informer = kube.nodes()
                .withName(nodeName)
                .inform(
                        new ResourceEventHandler<>() {
                            @Override
                            public void onAdd(Node node) {
                                update(node);
                            }

                            @Override
                            public void onUpdate(Node oldNode, Node node) {
                                update(node);
                            }

                            @Override
                            public void onDelete(Node node, boolean unknownFinalState) {
                                set(false);
                            }
                        },
                        0);
        return this;
    }

    public boolean enabled() {
        return enabled;
    }

    static boolean annotated(Node node) {
        return "true"
                .equals(Optional.ofNullable(node.getMetadata().getAnnotations())
                        .map(a -> a.get(ANNOTATION))
                        .orElse(null));
    }

    private void update(Node node) {
        set(annotated(node));
    }

    private synchronized void set(boolean now) {
        if (now != enabled) {
            enabled = now;
            LOG.info("node {}: protection {}", nodeName, now ? "enabled" : "disabled");
            listener.accept(now);
        }
    }

    /** For tests and callers without an API server: the annotations as they would appear on the Node. */
    static boolean annotated(Map<String, String> annotations) {
        return "true".equals(annotations.get(ANNOTATION));
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
    }
}
