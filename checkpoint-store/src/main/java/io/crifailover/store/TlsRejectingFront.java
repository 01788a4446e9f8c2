package io.crifailover.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A plain-HTTP listener's answer to TLS: containerd talks to registries on localhost by trying
 * HTTPS first and falling back to HTTP when the server answers the TLS ClientHello with HTTP. The
 * JDK HTTP server instead waits for a request line, so every pull stalled for two 10 s TLS
 * handshake timeouts. This front listens on the public address, answers a connection that starts
 * with a TLS handshake record with {@code 400 Bad Request}, and relays every other connection to
 * the HTTP server behind it, byte for byte.
 */
final class TlsRejectingFront implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TlsRejectingFront.class);
    private static final int TLS_HANDSHAKE_RECORD = 0x16;
    private static final int MAX_CONNECTIONS = 64;
    private static final byte[] REFUSAL = ("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                    + "Connection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket listener;
    private final InetSocketAddress backend;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "store-front");
        t.setDaemon(true);
        return t;
    });
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    private TlsRejectingFront(ServerSocket listener, InetSocketAddress backend) {
        this.listener = listener;
        this.backend = backend;
    }

    static TlsRejectingFront start(InetSocketAddress address, InetSocketAddress backend) throws IOException {
        ServerSocket listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(address, 128);
        TlsRejectingFront front = new TlsRejectingFront(listener, backend);
        front.threads.execute(front::acceptLoop);
        return front;
    }

    InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                if (!slots.tryAcquire()) {
                    client.close();
                    continue;
                }
                open.add(client);
                threads.execute(() -> serve(client));
            } catch (IOException e) {
                if (!listener.isClosed()) {
                    LOG.warn("store front accept failed: {}", e.toString());
                }
            }
        }
    }

    private void serve(Socket client) {
        try (client;
                Socket server = new Socket()) {
            PushbackInputStream in = new PushbackInputStream(client.getInputStream(), 1);
            int first = in.read();
            if (first < 0) {
                return;
            }
            if (first == TLS_HANDSHAKE_RECORD) {
                client.getOutputStream().write(REFUSAL);
                return;
            }
            in.unread(first);
            server.connect(backend);
            open.add(server);
            threads.execute(() -> pump(server, serverIn(server), client));
            pump(client, in, server);
        } catch (IOException e) {
            LOG.debug("store front connection ended: {}", e.toString());
        } finally {
            open.remove(client);
            slots.release();
        }
    }

    private static InputStream serverIn(Socket server) {
        try {
            return server.getInputStream();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Copies {@code from} to {@code to} until EOF, then half-closes {@code to}. */
    private void pump(Socket fromSocket, InputStream from, Socket to) {
        byte[] buffer = new byte[64 * 1024];
        try {
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = from.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
            }
            to.shutdownOutput();
        } catch (IOException e) {
            closeQuietly(to);
            closeQuietly(fromSocket);
        } finally {
            open.remove(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        closeQuietly(listener);
        open.forEach(TlsRejectingFront::closeQuietly);
        threads.shutdownNow();
    }

    private static void closeQuietly(ServerSocket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
