package io.crifailover.store;

import io.crifailover.oci.Digest;
import io.crifailover.oci.SecureFiles;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local checkpoint store under one root directory: blobs, repositories with tags, per-container
 * checkpoint histories, retention and garbage collection. Thread-safe.
 */
public final class CheckpointStore {
    private static final Logger log = LoggerFactory.getLogger(CheckpointStore.class);

    private final Path root;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final BlobStore blobs;
    private final RepositoryIndex repositories;
    private final CheckpointHistory history;
    private final ChunkIndex chunks;
    private final RestorePins pins = new RestorePins();
    private final StoreMetrics metrics;

    private CheckpointStore(Path root, ChunkParams params, MeterRegistry registry) throws IOException {
        this.root = SecureFiles.ensurePrivateDirectory(root.toAbsolutePath());
        this.blobs = new BlobStore(this.root, lock.readLock());
        this.repositories = new RepositoryIndex(this.root);
        this.history = new CheckpointHistory(this.root);
        this.chunks = new ChunkIndex(this.root, blobs, params);
        this.metrics = new StoreMetrics(registry, blobs);
    }

    public static CheckpointStore open(Path root) throws IOException {
        return open(root, ChunkParams.DEFAULT, new SimpleMeterRegistry());
    }

    public static CheckpointStore open(Path root, ChunkParams params, MeterRegistry registry) throws IOException {
        return new CheckpointStore(root, params, registry);
    }

    public Path root() {
        return root;
    }

    public BlobStore blobs() {
        return blobs;
    }

    public ChunkIndex chunks() {
        return chunks;
    }

    public RestorePins pins() {
        return pins;
    }

    public StoreMetrics metrics() {
        return metrics;
    }

    RepositoryIndex repositories() {
        return repositories;
    }

    /**
     * Stores a manifest or index under {@code reference} (a tag or the manifest's own digest). Rejected,
     * with nothing stored, if it does not parse, if a digest reference does not match its content, or if it
     * references blobs or manifests the store does not hold.
     */
    public Digest putManifest(String repository, String reference, byte[] content, String contentType)
            throws InvalidManifestException, MissingReferencesException, IOException {
        Names.repository(repository);
        ManifestDocument doc = ManifestDocument.parse(content, contentType);
        Digest digest = Digest.of(content);
        boolean byDigest = Digest.isDigest(reference);
        if (byDigest && !Digest.parse(reference).equals(digest)) {
            throw new InvalidManifestException("manifest digest " + digest + " does not match reference " + reference);
        }
        if (!byDigest && !Names.isTag(reference)) {
            throw new InvalidManifestException("invalid tag: '" + reference + "'");
        }
        lock.readLock().lock();
        try {
            List<Digest> missing = new ArrayList<>();
            for (Digest d : doc.blobs()) {
                if (!blobs.exists(d)) {
                    missing.add(d);
                }
            }
            for (Digest d : doc.childManifests()) {
                if (!blobs.exists(d)) {
                    missing.add(d);
                }
            }
            if (!missing.isEmpty()) {
                log.warn("rejected manifest {} for {}: missing {}", digest, repository, missing);
                throw new MissingReferencesException(missing);
            }
            blobs.put(content, digest);
            repositories.addManifest(repository, digest, doc.mediaType());
            if (!byDigest) {
                repositories.tag(repository, reference, digest);
            }
        } finally {
            lock.readLock().unlock();
        }
        return digest;
    }

    /** Resolves a tag or digest in a repository. */
    public Optional<StoredManifest> manifest(String repository, String reference) throws IOException {
        if (!repositories.exists(repository)) {
            return Optional.empty();
        }
        Optional<Digest> digest = Digest.isDigest(reference)
                ? Optional.of(Digest.parse(reference))
                : Names.isTag(reference) ? repositories.resolveTag(repository, reference) : Optional.empty();
        if (digest.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> type = repositories.manifestType(repository, digest.get());
        if (type.isEmpty() || !blobs.exists(digest.get())) {
            return Optional.empty();
        }
        try {
            return Optional.of(new StoredManifest(digest.get(), type.get(), blobs.read(digest.get())));
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        }
    }

    public List<String> tags(String repository) throws IOException {
        return repositories.tags(repository);
    }

    public List<String> repositoryNames() throws IOException {
        return repositories.repositories();
    }

    /** Appends a checkpoint of {@code containerId}; the image must already be stored and tagged. */
    public CheckpointRecord recordCheckpoint(String containerId, long sequence, String repository, String tag)
            throws IOException {
        Digest digest = repositories
                .resolveTag(repository, tag)
                .orElseThrow(() -> new IllegalArgumentException("no image " + repository + ":" + tag + " in store"));
        return history.append(
                containerId, new CheckpointRecord(sequence, repository, tag, digest, System.currentTimeMillis()));
    }

    public List<CheckpointRecord> history(String containerId) throws IOException {
        return history.list(containerId);
    }

    public List<String> containers() throws IOException {
        return history.containers();
    }

    /**
     * Keeps the {@code keep} newest checkpoints of the container, dropping older ones from the history and
     * removing their tags; their blobs go at the next {@link #gc}. Returns the dropped records.
     */
    public List<CheckpointRecord> retain(String containerId, int keep) throws IOException {
        if (keep < 1) {
            throw new IllegalArgumentException("retention must keep at least 1 checkpoint, got " + keep);
        }
        lock.readLock().lock();
        try {
            List<CheckpointRecord> all = history.list(containerId);
            if (all.size() <= keep) {
                return List.of();
            }
            List<CheckpointRecord> dropped = all.subList(0, all.size() - keep);
            history.write(containerId, all.subList(all.size() - keep, all.size()));
            for (CheckpointRecord r : dropped) {
                repositories.untag(r.repository(), r.tag(), r.digest());
            }
            return List.copyOf(dropped);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Deletes blobs nothing references any more and that are older than {@code grace}. */
    public GcReport gc(Duration grace) throws IOException {
        lock.writeLock().lock();
        try {
            return new GarbageCollector(this).run(grace);
        } finally {
            lock.writeLock().unlock();
        }
    }
}
