package io.crifailover.store;

import io.crifailover.oci.Digest;
import io.crifailover.oci.SecureFiles;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receiving side of chunked replication. A transfer lives in {@code transfers/<blob hex>/}: the offered recipe
 * (one {@code recipe-<first chunk>} file per offered segment, so a sender can offer while it is still
 * chunking) and a partial file assembled strictly in recipe order. A chunk whose frame is next in the
 * sender's stream is read and verified; otherwise it is copied from earlier in the partial file or from a
 * stored blob. The verified prefix survives a broken connection or a crash, so a retried transfer continues
 * where it stopped. Only a completely assembled file whose sha256 equals the blob digest is fsynced and
 * published; any mismatch discards the transfer.
 *
 * <p>Chunk stream frame: 32-byte chunk sha256, 4-byte big-endian length, the bytes.
 */
public final class ReplicationReceiver {
    private static final Logger log = LoggerFactory.getLogger(ReplicationReceiver.class);
    private static final String SEGMENT_PREFIX = "recipe-";

    private final CheckpointStore store;
    private final Path dir;
    private final Set<Digest> active = ConcurrentHashMap.newKeySet();
    private final Map<Digest, IncomingTransfer> open = new ConcurrentHashMap<>();
    /** Hashing and writeback helpers; unbounded so a hashing stage is never rejected (each transfer uses at most two). */
    private final ExecutorService helpers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "replication-helper");
        t.setDaemon(true);
        return t;
    });

    public ReplicationReceiver(CheckpointStore store) throws IOException {
        this.store = store;
        this.dir = SecureFiles.ensurePrivateDirectory(store.root().resolve("transfers"));
    }

    private Path transferDir(Digest blob) {
        return dir.resolve(blob.hex());
    }

    /** Offers a whole recipe (segment starting at chunk 0 that contains every chunk). */
    public OfferResponse offer(Digest blob, ChunkRecipe recipe) throws IOException, TransferRejectedException {
        return offer(blob, recipe, 0);
    }

    /**
     * Records an offered recipe segment starting at chunk {@code first} and says what of it is missing: the
     * distinct chunks from {@code resumeFrom} on that are neither stored here nor earlier in the blob. An
     * offer from chunk 0 that differs from the recorded one restarts the transfer.
     */
    public OfferResponse offer(Digest blob, ChunkRecipe segment, int first)
            throws IOException, TransferRejectedException {
        if (store.blobs().exists(blob)) {
            return new OfferResponse(true, 0, List.of());
        }
        if (!active.add(blob)) {
            throw new TransferRejectedException("a transfer of " + blob + " is already in progress");
        }
        try {
            IncomingTransfer t = current(blob);
            if (t != null && !(t.sameBlobAs(segment) && overlapMatches(t, segment, first))) {
                if (first != 0) {
                    throw new TransferRejectedException(
                            "offer of chunks from #" + first + " of " + blob
                                    + " does not continue the recorded recipe; offer again from chunk 0",
                            true);
                }
                log.info("recipe offered for {} differs from the recorded one; restarting the transfer", blob);
                discard(blob);
                t = null;
            }
            if (t == null) {
                if (first != 0) {
                    throw new TransferRejectedException(
                            "no transfer of " + blob + " in progress; offer from chunk 0", true);
                }
                t = new IncomingTransfer(
                        blob, segment.size(), segment.params(), SecureFiles.ensurePrivateDirectory(transferDir(blob)));
                SecureFiles.createPrivateFile(t.partial()).close();
                open.put(blob, t);
            }
            if (first > t.chunkCount()) {
                throw new TransferRejectedException(
                        "offer of " + blob + " skips chunks " + t.chunkCount() + ".." + first, true);
            }
            int known = t.chunkCount() - first;
            if (known < segment.chunks().size()) {
                ChunkRecipe added = new ChunkRecipe(
                        blob,
                        t.size,
                        t.params,
                        segment.chunks().subList(known, segment.chunks().size()));
                try {
                    added.validateSegment(blob, t.recipeBytes());
                } catch (IllegalArgumentException e) {
                    throw reject(blob, "invalid offer: " + e.getMessage());
                }
                // not fsynced: after a power loss a lost segment only shortens the recipe that the partial
                // file is re-verified against
                SecureFiles.replaceUnsynced(t.dir.resolve(segmentName(t.chunkCount())), added.encode());
                added.chunks().forEach(t::append);
            }
            LinkedHashSet<Digest> missing = new LinkedHashSet<>();
            for (int i = Math.max(first, t.assembled);
                    i < first + segment.chunks().size();
                    i++) {
                Digest d = t.chunk(i).digest();
                if (t.firstIndexOf(d) == i && store.chunks().locate(d).isEmpty()) {
                    missing.add(d);
                }
            }
            return new OfferResponse(false, t.assembled, List.copyOf(missing));
        } finally {
            active.remove(blob);
        }
    }

    private static boolean overlapMatches(IncomingTransfer t, ChunkRecipe segment, int first) {
        int end = Math.min(t.chunkCount(), first + segment.chunks().size());
        for (int i = first; i < end; i++) {
            if (!t.chunk(i).equals(segment.chunks().get(i - first))) {
                return false;
            }
        }
        return true;
    }

    private static String segmentName(int first) {
        return SEGMENT_PREFIX + String.format("%010d", first);
    }

    /**
     * Assembles the chunks offered so far from local chunks and the sender's chunk stream. Returns true once
     * the blob is complete, verified and published; false if more segments are expected. Throws
     * {@link TransferRejectedException} for bad data (the transfer is discarded or, for a bad chunk, kept up to
     * its verified prefix) and {@link IOException} for a broken stream (resumable).
     */
    public boolean receive(Digest blob, InputStream stream) throws IOException, TransferRejectedException {
        if (store.blobs().exists(blob)) {
            stream.transferTo(java.io.OutputStream.nullOutputStream());
            return true;
        }
        if (!active.add(blob)) {
            throw new TransferRejectedException("a transfer of " + blob + " is already in progress");
        }
        try {
            IncomingTransfer t = current(blob);
            if (t == null) {
                throw new TransferRejectedException("no offer recorded for " + blob + "; offer it first");
            }
            return assemble(t, new ChunkFrameReader(stream));
        } finally {
            active.remove(blob);
        }
    }

    private boolean assemble(IncomingTransfer t, ChunkFrameReader in) throws IOException, TransferRejectedException {
        Digest blob = t.blob;
        MessageDigest part = Digest.newSha256();
        byte[] raw = new byte[32];
        int resumedAt = t.assembled;
        boolean consistent = false;
        try (FileChannel out = FileChannel.open(t.partial(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            PartialWriter w = new PartialWriter(out, t, helpers);
            try {
                for (int i = t.assembled; i < t.chunkCount(); i++) {
                    ChunkRef c = t.chunk(i);
                    int n = c.size();
                    int earlier = t.firstIndexOf(c.digest());
                    if (in.nextIs(c.digest())) {
                        if (in.nextLength() != n) {
                            throw reject(
                                    blob,
                                    "chunk #" + i + " framed with length " + in.nextLength() + ", recipe says " + n);
                        }
                        byte[] buf = w.reserve(n);
                        int pos = w.position();
                        in.readData(buf, pos, n);
                        part.update(buf, pos, n);
                        digestInto(part, raw);
                        if (!c.digest().matches(raw, 0)) {
                            store.metrics().rejectedTransfers().increment();
                            throw reject(
                                    blob,
                                    "tampered chunk #" + i + ": expected " + c.digest() + " but got "
                                            + Digest.fromBytes(raw));
                        }
                        w.commit(n);
                        store.metrics().receivedBytes().increment(n);
                    } else if (earlier >= 0 && earlier < i) {
                        w.copyAssembled(t.offset(earlier), n);
                    } else if (!copyLocal(c, w)) {
                        if (!in.hasNext()) {
                            throw new EOFException("chunk stream of " + blob + " ended before chunk #" + i);
                        }
                        throw reject(
                                blob,
                                "chunk stream out of order at chunk #" + i + ": expected " + c.digest() + " (" + n
                                        + " bytes), got " + in.nextDigest() + " (" + in.nextLength() + " bytes)");
                    }
                }
                if (in.hasNext()) {
                    w.finish();
                    consistent = true;
                    discard(blob);
                    throw reject(blob, "sender sent more chunk data than the offer announced");
                }
            } finally {
                w.finish();
                consistent = true;
            }
            if (!t.recipeComplete()) {
                log.debug(
                        "blob {}: assembled {} of {} bytes (segment from chunk {})",
                        blob,
                        t.assembledBytes,
                        t.size,
                        resumedAt);
                return false;
            }
            Digest actual = Digest.fromBytes(t.whole.digest());
            if (!actual.equals(blob)) {
                discard(blob);
                store.metrics().rejectedTransfers().increment();
                throw reject(blob, "assembled content hashes to " + actual + ", not the announced blob digest");
            }
            out.force(true);
            log.debug("blob {} assembled ({} bytes, resumed at chunk {})", blob, t.assembledBytes, resumedAt);
        } finally {
            if (!consistent) {
                open.remove(blob);
            }
        }
        store.blobs().publish(t.partial(), blob);
        store.chunks().add(t.recipe());
        open.remove(blob);
        SecureFiles.deleteRecursively(t.dir);
        return true;
    }

    private static void digestInto(MessageDigest md, byte[] raw) {
        try {
            md.digest(raw, 0, raw.length);
        } catch (DigestException e) {
            throw new IllegalStateException(e);
        }
    }

    private boolean copyLocal(ChunkRef c, PartialWriter w) throws IOException {
        var loc = store.chunks().locate(c.digest());
        if (loc.isEmpty()) {
            return false;
        }
        try (FileChannel src = FileChannel.open(store.blobs().path(loc.get().blob()), StandardOpenOption.READ)) {
            byte[] buf = w.reserve(c.size());
            PartialWriter.readFully(src, loc.get().offset(), buf, w.position(), c.size());
            w.commit(c.size());
            return true;
        } catch (NoSuchFileException | EOFException e) {
            return false;
        }
    }

    /**
     * The transfer's state: kept in memory between the requests of one transfer; rebuilt from disk (recipe
     * segments + re-verification of the partial file, which also restores the running blob hash) after a
     * restart or if the files changed underneath.
     */
    private IncomingTransfer current(Digest blob) throws IOException {
        IncomingTransfer t = open.get(blob);
        if (t != null && Files.isRegularFile(t.partial()) && Files.size(t.partial()) == t.assembledBytes) {
            return t;
        }
        open.remove(blob);
        t = load(blob);
        if (t != null) {
            open.put(blob, t);
        }
        return t;
    }

    private IncomingTransfer load(Digest blob) throws IOException {
        Path tdir = transferDir(blob);
        if (!Files.isDirectory(tdir)) {
            return null;
        }
        TreeMap<Integer, Path> segments = new TreeMap<>();
        try (Stream<Path> s = Files.list(tdir)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith(SEGMENT_PREFIX)) {
                    try {
                        segments.put(Integer.parseInt(name.substring(SEGMENT_PREFIX.length())), p);
                    } catch (NumberFormatException ignored) {
                        log.warn("ignoring foreign file {} in transfer {}", name, blob);
                    }
                }
            }
        }
        IncomingTransfer t = null;
        for (Map.Entry<Integer, Path> e : segments.entrySet()) {
            ChunkRecipe r;
            try {
                r = ChunkRecipe.decode(Files.readAllBytes(e.getValue()));
            } catch (IOException ex) {
                log.warn(
                        "transfer {}: unreadable recipe segment {}: {}",
                        blob,
                        e.getValue().getFileName(),
                        ex.getMessage());
                break;
            }
            if (t == null) {
                if (e.getKey() != 0) {
                    break;
                }
                t = new IncomingTransfer(blob, r.size(), r.params(), tdir);
            }
            if (e.getKey() != t.chunkCount() || !t.sameBlobAs(r)) {
                break;
            }
            r.chunks().forEach(t::append);
        }
        if (t == null) {
            SecureFiles.deleteRecursively(tdir);
            return null;
        }
        if (!Files.exists(t.partial())) {
            SecureFiles.createPrivateFile(t.partial()).close();
        }
        verifyPrefix(t);
        return t;
    }

    /** Re-verifies the partial file chunk by chunk, cuts it back to the verified prefix and rebuilds the hash. */
    private static void verifyPrefix(IncomingTransfer t) throws IOException {
        MessageDigest part = Digest.newSha256();
        byte[] raw = new byte[32];
        byte[] buf = new byte[t.params.max()];
        try (FileChannel ch = FileChannel.open(t.partial(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long have = ch.size();
            long off = 0;
            int i = 0;
            for (; i < t.chunkCount() && off + t.chunk(i).size() <= have; i++) {
                ChunkRef c = t.chunk(i);
                PartialWriter.readFully(ch, off, buf, 0, c.size());
                part.update(buf, 0, c.size());
                digestInto(part, raw);
                if (!c.digest().matches(raw, 0)) {
                    break;
                }
                t.whole.update(buf, 0, c.size());
                off += c.size();
            }
            ch.truncate(off);
            t.assembled = i;
            t.assembledBytes = off;
        }
    }

    private void discard(Digest blob) throws IOException {
        open.remove(blob);
        SecureFiles.deleteRecursively(transferDir(blob));
    }

    private TransferRejectedException reject(Digest blob, String why) {
        log.warn("rejected replicated blob {}: {}", blob, why);
        return new TransferRejectedException("blob " + blob + ": " + why);
    }

    /** Blob digests with an unfinished transfer (for diagnostics and tests). */
    public List<Digest> pendingTransfers() throws IOException {
        List<Digest> out = new ArrayList<>();
        try (var s = Files.list(dir)) {
            s.forEach(p -> {
                try {
                    out.add(new Digest(p.getFileName().toString()));
                } catch (IllegalArgumentException ignored) {
                    // not a transfer
                }
            });
        }
        return out;
    }
}
