package io.crifailover.store;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receiving side of chunked replication. A transfer lives in {@code transfers/<blob hex>/} with the offered
 * recipe and a partial file that is assembled strictly in recipe order: chunks the node already has are
 * copied from local blobs (or from earlier in the partial file), the others are read from the sender's
 * stream and verified one by one. The partial file's verified prefix survives a broken connection or a
 * crash, so a retried transfer continues where it stopped. Only a fully assembled file whose sha256 equals
 * the blob digest is published; any mismatch discards the transfer.
 *
 * <p>Chunk stream frame: 32-byte chunk sha256, 4-byte big-endian length, the bytes.
 */
public final class ReplicationReceiver {
    private static final Logger log = LoggerFactory.getLogger(ReplicationReceiver.class);
    private final CheckpointStore store;
    private final Path dir;
    private final Set<Digest> active = ConcurrentHashMap.newKeySet();

    public ReplicationReceiver(CheckpointStore store) throws IOException {
        this.store = store;
        this.dir = SecureFiles.ensureDir(store.root().resolve("transfers"));
    }

    private Path transferDir(Digest blob) {
        return dir.resolve(blob.hex());
    }

    /** Records the offered recipe (restarting if it differs from an earlier one) and says what is missing. */
    public OfferResponse offer(Digest blob, ChunkRecipe recipe) throws IOException, TransferRejectedException {
        if (store.blobs().exists(blob)) {
            return new OfferResponse(true, 0, List.of());
        }
        try {
            recipe.validate(blob);
        } catch (IllegalArgumentException e) {
            throw reject(blob, "invalid offer: " + e.getMessage());
        }
        if (!active.add(blob)) {
            throw new TransferRejectedException("a transfer of " + blob + " is already in progress");
        }
        try {
            Path t = SecureFiles.ensureDir(transferDir(blob));
            Path recipeFile = t.resolve("recipe");
            byte[] encoded = recipe.encode();
            if (!Files.exists(recipeFile) || !Arrays.equals(Files.readAllBytes(recipeFile), encoded)) {
                Files.deleteIfExists(t.resolve("partial"));
                SecureFiles.writeAtomically(recipeFile, encoded);
            }
            long have = Files.exists(t.resolve("partial")) ? Files.size(t.resolve("partial")) : 0;
            int resume = 0;
            long off = 0;
            for (ChunkRef c : recipe.chunks()) {
                if (off + c.size() > have) {
                    break;
                }
                off += c.size();
                resume++;
            }
            Set<Digest> seen = new HashSet<>();
            for (int i = 0; i < resume; i++) {
                seen.add(recipe.chunks().get(i).digest());
            }
            LinkedHashSet<Digest> missing = new LinkedHashSet<>();
            for (int i = resume; i < recipe.chunks().size(); i++) {
                Digest d = recipe.chunks().get(i).digest();
                if (seen.add(d) && store.chunks().locate(d).isEmpty()) {
                    missing.add(d);
                }
            }
            return new OfferResponse(false, resume, List.copyOf(missing));
        } finally {
            active.remove(blob);
        }
    }

    /**
     * Assembles the blob from local chunks and the sender's chunk stream. Returns normally once the blob is
     * published; throws {@link TransferRejectedException} for bad data (the transfer is discarded or, for a
     * bad chunk, cut back to its verified prefix) and {@link IOException} for a broken stream (resumable).
     */
    public void receive(Digest blob, InputStream stream) throws IOException, TransferRejectedException {
        if (store.blobs().exists(blob)) {
            stream.transferTo(java.io.OutputStream.nullOutputStream());
            return;
        }
        if (!active.add(blob)) {
            throw new TransferRejectedException("a transfer of " + blob + " is already in progress");
        }
        try {
            receiveExclusive(blob, new DataInputStream(stream));
        } finally {
            active.remove(blob);
        }
    }

    private void receiveExclusive(Digest blob, DataInputStream in) throws IOException, TransferRejectedException {
        Path t = transferDir(blob);
        Path recipeFile = t.resolve("recipe");
        if (!Files.exists(recipeFile)) {
            throw new TransferRejectedException("no offer recorded for " + blob + "; offer it first");
        }
        ChunkRecipe recipe = ChunkRecipe.decode(Files.readAllBytes(recipeFile));
        Path partial = t.resolve("partial");
        if (!Files.exists(partial)) {
            SecureFiles.createPrivate(partial).close();
        }
        MessageDigest whole = Digest.newSha256();
        MessageDigest part = Digest.newSha256();
        Map<Digest, Long> written = new HashMap<>();
        List<ChunkRef> chunks = recipe.chunks();
        byte[] buf = new byte[recipe.params().max()];
        try (FileChannel out = FileChannel.open(partial, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long have = out.size();
            long off = 0;
            int i = 0;
            // Re-verify the prefix left by an earlier attempt; it also rebuilds the running blob hash.
            for (; i < chunks.size() && off + chunks.get(i).size() <= have; i++) {
                ChunkRef c = chunks.get(i);
                readFully(out, off, buf, c.size());
                part.update(buf, 0, c.size());
                if (!Digest.fromBytes(part.digest()).equals(c.digest())) {
                    break;
                }
                whole.update(buf, 0, c.size());
                written.putIfAbsent(c.digest(), off);
                off += c.size();
            }
            out.truncate(off);
            out.position(off);
            int resumedAt = i;
            for (; i < chunks.size(); i++) {
                ChunkRef c = chunks.get(i);
                int n = c.size();
                Long earlier = written.get(c.digest());
                if (earlier != null) {
                    readFully(out, earlier, buf, n);
                } else {
                    var local = store.chunks().locate(c.digest());
                    if (local.isEmpty() || !copyLocal(local.get(), buf, n)) {
                        readFrame(in, c, buf, blob, i);
                        part.update(buf, 0, n);
                        Digest got = Digest.fromBytes(part.digest());
                        if (!got.equals(c.digest())) {
                            out.truncate(off);
                            store.metrics().rejectedTransfers().increment();
                            throw reject(blob, "tampered chunk #" + i + ": expected " + c.digest() + " but got " + got);
                        }
                        store.metrics().receivedBytes().increment(n);
                    }
                }
                writeFully(out, buf, n);
                whole.update(buf, 0, n);
                written.putIfAbsent(c.digest(), off);
                off += n;
            }
            if (in.read() >= 0) {
                discard(blob);
                throw reject(blob, "sender sent more chunk data than the offer announced");
            }
            Digest actual = Digest.fromBytes(whole.digest());
            if (!actual.equals(blob)) {
                discard(blob);
                store.metrics().rejectedTransfers().increment();
                throw reject(blob, "assembled content hashes to " + actual + ", not the announced blob digest");
            }
            out.force(true);
            log.debug("blob {} assembled ({} bytes, resumed at chunk {})", blob, off, resumedAt);
        }
        store.blobs().publish(partial, blob);
        store.chunks().add(recipe);
        SecureFiles.deleteTree(t);
    }

    private boolean copyLocal(ChunkLocation loc, byte[] buf, int n) throws IOException {
        try (FileChannel src = FileChannel.open(store.blobs().path(loc.blob()), StandardOpenOption.READ)) {
            readFully(src, loc.offset(), buf, n);
            return true;
        } catch (java.nio.file.NoSuchFileException | EOFException e) {
            return false;
        }
    }

    private void readFrame(DataInputStream in, ChunkRef c, byte[] buf, Digest blob, int index)
            throws IOException, TransferRejectedException {
        byte[] d = new byte[32];
        in.readFully(d);
        int len = in.readInt();
        if (!Arrays.equals(d, c.digest().bytes()) || len != c.size()) {
            throw reject(blob, "chunk stream out of order at chunk #" + index + ": expected " + c.digest()
                    + " (" + c.size() + " bytes), got " + Digest.fromBytes(d) + " (" + len + " bytes)");
        }
        in.readFully(buf, 0, len);
    }

    private static void readFully(FileChannel ch, long pos, byte[] buf, int n) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
        while (bb.hasRemaining()) {
            if (ch.read(bb, pos + bb.position()) < 0) {
                throw new EOFException("unexpected end of file");
            }
        }
    }

    private static void writeFully(FileChannel ch, byte[] buf, int n) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
        while (bb.hasRemaining()) {
            ch.write(bb);
        }
    }

    private void discard(Digest blob) throws IOException {
        SecureFiles.deleteTree(transferDir(blob));
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
