package io.crifailover.testbed;

import io.crifailover.testsupport.ContainerdNode;
import io.crifailover.testsupport.CriClient;
import io.crifailover.testsupport.NetworkNamespace;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * One simulated node of the bed: a network namespace with its own containerd, the shim (a
 * separate JVM started inside the namespace, holding the node's store and placement replica),
 * and the kubelet stand-in driving CRI through the shim's socket.
 */
public final class BedNode implements AutoCloseable {
    private final String name;
    private final NetworkNamespace netns;
    private final ContainerdNode containerd;
    private final ShimProcess shim;
    private final CriClient cri;
    private final NodeAgent agent;

    BedNode(
            String name,
            NetworkNamespace netns,
            ContainerdNode containerd,
            ShimProcess shim,
            CriClient cri,
            NodeAgent agent) {
        this.name = name;
        this.netns = netns;
        this.containerd = containerd;
        this.shim = shim;
        this.cri = cri;
        this.agent = agent;
    }

    public String name() {
        return name;
    }

    public NetworkNamespace netns() {
        return netns;
    }

    public ContainerdNode containerd() {
        return containerd;
    }

    public ShimProcess shim() {
        return shim;
    }

    /** CRI through the shim, as kubelet sees it. */
    public CriClient cri() {
        return cri;
    }

    public NodeAgent agent() {
        return agent;
    }

    public Path shimSocket() {
        return shim.socket();
    }

    @Override
    public void close() {
        agent.close();
        cri.close();
        shim.close();
        containerd.close();
        netns.close();
    }

    static void waitQuietly(Process p, long seconds) {
        try {
            p.waitFor(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
