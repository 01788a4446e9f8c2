package io.crifailover.failover;

/** A protected container as the runtime and Kubernetes know it. */
public record ContainerRef(String containerId, String namespace, String podName, String podUid, String containerName) {
    @Override
    public String toString() {
        return namespace + "/" + podName + "/" + containerName + " (" + shortId() + ")";
    }

    String shortId() {
        return containerId.length() > 12 ? containerId.substring(0, 12) : containerId;
    }
}
