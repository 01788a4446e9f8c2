package io.crifailover.failover;

import java.util.Map;
import java.util.Objects;

/**
 * Decides whether a checkpoint may be restored into a pod: only into the same namespace and the
 * same workload (owner kind and name, or the same pod name for a pod without owner). Missing
 * identity on either side refuses (fail closed): checkpoints hold process memory, i.e. secrets.
 */
public final class RestoreGuard {
    /** Annotation the shim puts on a replacement pod: the owner workload, "Kind/name". */
    public static final String WORKLOAD = "cri-failover.io/workload";

    private RestoreGuard() {}

    /** Who a checkpoint or a pod belongs to. */
    public record Identity(String namespace, String workload) {
        /** Reads the identity from pod sandbox labels/annotations as kubelet passes them. */
        public static Identity ofSandbox(Map<String, String> labels, Map<String, String> annotations) {
            String ns = labels.get("io.kubernetes.pod.namespace");
            String workload = annotations.get(WORKLOAD);
            if (workload == null && labels.get("io.kubernetes.pod.name") != null) {
                workload = "Pod/" + labels.get("io.kubernetes.pod.name");
            }
            return new Identity(ns, workload);
        }
    }

    /** The outcome, with the reason when refused. */
    public record Verdict(boolean allowed, String reason) {}

    public static Verdict check(Identity checkpoint, Identity target) {
        if (isBlank(checkpoint.namespace()) || isBlank(checkpoint.workload())) {
            return new Verdict(false, "checkpoint carries no namespace/workload identity");
        }
        if (isBlank(target.namespace()) || isBlank(target.workload())) {
            return new Verdict(false, "target pod has no namespace/workload identity");
        }
        if (!Objects.equals(checkpoint.namespace(), target.namespace())) {
            return new Verdict(
                    false,
                    "checkpoint belongs to namespace " + checkpoint.namespace() + ", pod is in " + target.namespace());
        }
        if (!Objects.equals(checkpoint.workload(), target.workload())) {
            return new Verdict(
                    false,
                    "checkpoint belongs to workload " + checkpoint.workload() + ", pod belongs to "
                            + target.workload());
        }
        return new Verdict(true, "same namespace and workload");
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
