package io.crifailover.failover;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** The liveness endpoint peers probe: accepts a TCP connection and closes it. */
public final class ProbeListener implements AutoCloseable {
    private final ServerSocket socket;
    private final Thread acceptor;

    private ProbeListener(ServerSocket socket) {
        this.socket = socket;
        this.acceptor = new Thread(this::acceptLoop, "probe-listener");
        this.acceptor.setDaemon(true);
    }

    public static ProbeListener start(InetSocketAddress address) {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(address, 128);
            ProbeListener l = new ProbeListener(s);
            l.acceptor.start();
            return l;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for probes on " + address, e);
        }
    }

    public int port() {
        return socket.getLocalPort();
    }

    private void acceptLoop() {
        while (!socket.isClosed()) {
            try (Socket ignored = socket.accept()) {
                // connecting is the answer
            } catch (IOException e) {
                if (socket.isClosed()) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
