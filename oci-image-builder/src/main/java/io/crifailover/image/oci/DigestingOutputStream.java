package io.crifailover.image.oci;

import io.crifailover.oci.Digest;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;

/** Passes bytes through while computing their SHA-256 and count (the layer diff ID before compression). */
public final class DigestingOutputStream extends FilterOutputStream {

    private final MessageDigest digest = Digest.newSha256();
    private long count;

    public DigestingOutputStream(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        digest.update((byte) b);
        count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        digest.update(b, off, len);
        count += len;
    }

    /** The digest of everything written; call once, after the last write. */
    public Digest digest() {
        return Digest.fromBytes(digest.digest());
    }

    public long count() {
        return count;
    }
}
