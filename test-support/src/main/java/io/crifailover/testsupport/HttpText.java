package io.crifailover.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A one-request HTTP/1.0 client over a fresh TCP connection, with one deadline for the whole
 * exchange (connect, send, read), as a client with a request timeout sees it. Small on purpose:
 * no pooled connections that outlive a failover, nothing but the status line and the body.
 */
public final class HttpText {
    private HttpText() {}

    /** {@code GET path} from {@code server}; returns the body of a 200 answer, throws otherwise. */
    public static String get(InetSocketAddress server, String path, Duration deadline) throws IOException {
        long end = System.nanoTime() + deadline.toNanos();
        try (Socket socket = new Socket()) {
            socket.connect(server, remainingMillis(end));
            socket.getOutputStream()
                    .write(("GET " + path + " HTTP/1.0\r\nHost: " + server.getHostString() + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            String answer = readAll(socket, end);
            int headerEnd = answer.indexOf("\r\n\r\n");
            String status = answer.lines().findFirst().orElse("");
            if (headerEnd < 0 || !status.matches("HTTP/1\\.[01] 200.*")) {
                throw new IOException(
                        "GET " + path + " from " + server + ": " + (status.isEmpty() ? "no answer" : status));
            }
            return answer.substring(headerEnd + 4);
        }
    }

    private static String readAll(Socket socket, long end) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        byte[] buf = new byte[4096];
        while (true) {
            socket.setSoTimeout(remainingMillis(end));
            int n = in.read(buf);
            if (n < 0) {
                return out.toString(StandardCharsets.UTF_8);
            }
            out.write(buf, 0, n);
        }
    }

    /** Milliseconds left until {@code end} (at least 1: a socket timeout of 0 would mean "for ever"). */
    static int remainingMillis(long end) throws SocketTimeoutException {
        long left = (end - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
            throw new SocketTimeoutException("deadline exceeded");
        }
        return (int) Math.min(Integer.MAX_VALUE, left);
    }
}
