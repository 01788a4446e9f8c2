package io.crifailover.store;

import io.crifailover.oci.Digest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/** Hashes what passes through and fails at end of stream if the content does not match the expected digest. */
final class VerifyingInputStream extends FilterInputStream {
    private final MessageDigest md = Digest.newSha256();
    private final Digest expected;
    private boolean checked;

    VerifyingInputStream(InputStream in, Digest expected) {
        super(in);
        this.expected = expected;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
            md.update(b, off, n);
        } else if (n < 0 && !checked) {
            checked = true;
            Digest actual = Digest.fromBytes(md.digest());
            if (!actual.equals(expected)) {
                throw new DigestMismatchException(expected, actual);
            }
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        throw new IOException("skip not supported on a verified body");
    }
}
