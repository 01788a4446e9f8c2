package io.crifailover.placement;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.security.PublicKey;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica-to-replica server socket, bound to the node's cluster address only. It hands BFT-SMaRt only
 * connections that open with a member's valid handshake: the claimed replica id, then the Diffie-Hellman public
 * value signed with that member's key (SHA1withRSA, as BFT-SMaRt 0.0.8's {@code ServerConnection} sends it). The
 * bytes read for the check are replayed to the library. Without this, anyone reaching the port could claim a member
 * whose link is down and send a bad signature: the library then shuts that member's connection down for good.
 */
final class MemberOnlyServerSocket extends ServerSocket {
    private static final Logger LOG = LoggerFactory.getLogger(MemberOnlyServerSocket.class);
    /** How long a connecting peer has to send its handshake; the accept loop waits meanwhile. */
    static final int HANDSHAKE_TIMEOUT_MS = 2000;

    private static final long BIND_WITHIN_NANOS = 5_000_000_000L;
    private static final int MAX_DH_BYTES = 1024;
    private static final int MAX_SIGNATURE_BYTES = 1024;

    private final MemberKeys members;
    private final int self;
    private final CountDownLatch bound = new CountDownLatch(1);

    MemberOnlyServerSocket(MemberKeys members, int self) throws IOException {
        this.members = members;
        this.self = self;
    }

    /**
     * Binds to {@code address}; {@link #accept()} waits for this. The socket it replaces is released only once the
     * thread blocked in its accept has woken up, so the port may be taken for a moment: retried for up to 5 s.
     */
    void bindTo(InetSocketAddress address) throws IOException {
        setReuseAddress(true);
        long deadline = System.nanoTime() + BIND_WITHIN_NANOS;
        while (true) {
            try {
                bind(address);
                bound.countDown();
                return;
            } catch (java.net.BindException taken) {
                if (System.nanoTime() - deadline > 0) {
                    throw taken;
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw taken;
                }
            }
        }
    }

    @Override
    public Socket accept() throws IOException {
        try {
            if (!bound.await(getSoTimeout() == 0 ? Long.MAX_VALUE : getSoTimeout(), TimeUnit.MILLISECONDS)) {
                throw new SocketTimeoutException("replica port not bound yet");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SocketException("interrupted");
        }
        while (true) {
            ReplayingSocket socket = new ReplayingSocket();
            implAccept(socket);
            Optional<String> refusal = socket.checkHandshake(members, self);
            if (refusal.isEmpty()) {
                return socket;
            }
            if (socket.closedAtOnce) {
                // a peer's reachability check before its connect (BoundedConnectSelector)
                LOG.debug("a connection from {} closed without a byte", socket.getRemoteSocketAddress());
            } else {
                LOG.warn("refused a replica connection from {}: {}", socket.getRemoteSocketAddress(), refusal.get());
            }
            socket.close();
        }
    }

    /** A socket whose input starts with the bytes already read for the handshake check. */
    static final class ReplayingSocket extends Socket {
        private InputStream input;
        private boolean closedAtOnce;

        Optional<String> checkHandshake(MemberKeys members, int self) {
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            try {
                setSoTimeout(HANDSHAKE_TIMEOUT_MS);
                DataInputStream in = new DataInputStream(super.getInputStream());
                DataOutputStream copy = new DataOutputStream(seen);
                int claimed = in.readInt();
                copy.writeInt(claimed);
                Optional<PublicKey> key = members.key(claimed);
                if (key.isEmpty() || claimed == self) {
                    return Optional.of("it claims to be replica " + claimed + ", not another member");
                }
                byte[] dh = readBlock(in, copy, MAX_DH_BYTES);
                byte[] signature = readBlock(in, copy, MAX_SIGNATURE_BYTES);
                if (!verifySha1Rsa(key.get(), dh, signature)) {
                    return Optional.of("its handshake is not signed by replica " + claimed);
                }
                setSoTimeout(0);
                input = new SequenceInputStream(new ByteArrayInputStream(seen.toByteArray()), super.getInputStream());
                return Optional.empty();
            } catch (IOException e) {
                closedAtOnce = seen.size() == 0 && e instanceof java.io.EOFException;
                return Optional.of("no complete handshake: " + e);
            }
        }

        @Override
        public InputStream getInputStream() throws IOException {
            return input != null ? input : super.getInputStream();
        }

        private static byte[] readBlock(DataInputStream in, DataOutputStream copy, int max) throws IOException {
            int length = in.readInt();
            if (length <= 0 || length > max) {
                throw new IOException("handshake block of " + length + " bytes");
            }
            byte[] block = new byte[length];
            in.readFully(block);
            copy.writeInt(length);
            copy.write(block);
            return block;
        }

        private static boolean verifySha1Rsa(PublicKey key, byte[] data, byte[] signature) {
            try {
                java.security.Signature verifier = java.security.Signature.getInstance("SHA1withRSA");
                verifier.initVerify(key);
                verifier.update(data);
                return verifier.verify(signature);
            } catch (java.security.GeneralSecurityException e) {
                return false;
            }
        }
    }
}
