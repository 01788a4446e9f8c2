package io.crifailover.store;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Store metrics on a Micrometer registry: bytes stored, replication logical vs wire bytes, dedup ratio,
 * replication latency. The shim passes its own registry; standalone the store uses a SimpleMeterRegistry.
 */
public final class StoreMetrics {
    private final MeterRegistry registry;
    private final Counter logicalBytes;
    private final Counter wireBytes;
    private final Counter receivedBytes;
    private final Counter rejectedTransfers;
    private final Timer replicationLatency;
    private final AtomicLong storedBytesCache = new AtomicLong();
    private volatile long storedBytesAt;

    StoreMetrics(MeterRegistry registry, BlobStore blobs) {
        this.registry = registry;
        this.logicalBytes = Counter.builder("crif.store.replication.logical.bytes")
                .description("bytes of blobs replicated to peers (what a full copy would send)")
                .register(registry);
        this.wireBytes = Counter.builder("crif.store.replication.wire.bytes")
                .description("bytes actually sent to peers (recipes + missing chunks + manifests)")
                .register(registry);
        this.receivedBytes = Counter.builder("crif.store.replication.received.bytes")
                .description("chunk bytes received from peers")
                .register(registry);
        this.rejectedTransfers = Counter.builder("crif.store.replication.rejected")
                .description("transfers from peers rejected for bad chunks, digests or references")
                .register(registry);
        this.replicationLatency = Timer.builder("crif.store.replication.latency")
                .description("time to replicate one image to one peer")
                .register(registry);
        Gauge.builder("crif.store.replication.dedup.ratio", this, StoreMetrics::dedupRatio)
                .description("logical bytes / wire bytes")
                .register(registry);
        Gauge.builder("crif.store.stored.bytes", blobs, this::storedBytes)
                .description("bytes of blobs on disk")
                .baseUnit("bytes")
                .register(registry);
    }

    private double storedBytes(BlobStore blobs) {
        long now = System.currentTimeMillis();
        if (now - storedBytesAt > 10_000) {
            try {
                storedBytesCache.set(blobs.totalBytes());
                storedBytesAt = now;
            } catch (IOException e) {
                return Double.NaN;
            }
        }
        return storedBytesCache.get();
    }

    public double dedupRatio() {
        double wire = wireBytes.count();
        return wire == 0 ? Double.NaN : logicalBytes.count() / wire;
    }

    public MeterRegistry registry() {
        return registry;
    }

    public Counter logicalBytes() {
        return logicalBytes;
    }

    public Counter wireBytes() {
        return wireBytes;
    }

    public Counter receivedBytes() {
        return receivedBytes;
    }

    public Counter rejectedTransfers() {
        return rejectedTransfers;
    }

    public Timer replicationLatency() {
        return replicationLatency;
    }
}
