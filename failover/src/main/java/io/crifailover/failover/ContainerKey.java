package io.crifailover.failover;

import java.util.regex.Pattern;

/**
 * The identity of a protected container that survives restores: namespace, owning workload
 * ("Kind/name", or "Pod/name" for a pod without controller), pod name and container name. Its
 * string form is the key of the placement catalog, so the workload a checkpoint belongs to is
 * agreed by the replicas, not asserted by whoever restores it.
 */
public record ContainerKey(String namespace, String workloadKind, String workloadName, String pod, String container) {
    private static final Pattern PART = Pattern.compile("[A-Za-z0-9][-A-Za-z0-9_.]{0,252}");

    public ContainerKey {
        for (String part : new String[] {namespace, workloadKind, workloadName, pod, container}) {
            if (part == null || !PART.matcher(part).matches()) {
                throw new IllegalArgumentException("invalid container key part '" + part + "'");
            }
        }
    }

    /** Parses the form produced by {@link #toString()}. */
    public static ContainerKey parse(String text) {
        String[] p = text.split("/", -1);
        if (p.length != 5) {
            throw new IllegalArgumentException("container key must be ns/Kind/workload/pod/container: '" + text + "'");
        }
        return new ContainerKey(p[0], p[1], p[2], p[3], p[4]);
    }

    public String workload() {
        return workloadKind + "/" + workloadName;
    }

    public RestoreGuard.Identity identity() {
        return new RestoreGuard.Identity(namespace, workload());
    }

    /** The id the store files this container's history under ('_' cannot occur in Kubernetes names). */
    public String storeId() {
        return String.join("_", namespace, workloadKind, workloadName, pod, container);
    }

    /** A repository name for the checkpoint images of this container in the store. */
    public String repository() {
        return ("ckpt/" + namespace + "/" + pod + "/" + container).toLowerCase();
    }

    @Override
    public String toString() {
        return namespace + "/" + workloadKind + "/" + workloadName + "/" + pod + "/" + container;
    }
}
