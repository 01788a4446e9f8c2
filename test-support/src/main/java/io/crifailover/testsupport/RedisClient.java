package io.crifailover.testsupport;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A redis client speaking RESP2 over one TCP connection, as an application's client library would:
 * the connection stays open between commands (so it is open while checkpoints are taken), and every
 * command has a deadline. Replies: {@code Long} for integers, {@code String} for simple and bulk
 * strings ({@code null} for a nil bulk), {@code List<Object>} for arrays; an error reply throws
 * {@link RedisError}. After an I/O error or a timeout the connection is unusable: close it.
 */
public final class RedisClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    /** An error reply from the server. */
    public static final class RedisError extends IOException {
        RedisError(String message) {
            super(message);
        }
    }

    private RedisClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects within {@code timeout}. */
    public static RedisClient connect(InetSocketAddress server, Duration timeout) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(server, (int) Math.max(1, timeout.toMillis()));
            return new RedisClient(socket);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Sends one command and waits for its reply until {@code deadline} has passed. */
    public Object call(Duration deadline, String... args) throws IOException {
        long end = System.nanoTime() + deadline.toNanos();
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (String arg : args) {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            request.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            request.writeBytes(bytes);
            request.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.write(request.toByteArray());
        out.flush();
        return reply(end);
    }

    /** {@link #call} for a command whose reply is an integer (INCR, DBSIZE, EVAL returning a number). */
    public long callLong(Duration deadline, String... args) throws IOException {
        Object reply = call(deadline, args);
        if (reply instanceof Long value) {
            return value;
        }
        throw new IOException("expected an integer reply to " + args[0] + ", got " + reply);
    }

    /** {@link #call} for a command whose reply is a string (GET, PING); null for a nil reply. */
    public String callString(Duration deadline, String... args) throws IOException {
        Object reply = call(deadline, args);
        if (reply == null || reply instanceof String) {
            return (String) reply;
        }
        throw new IOException("expected a string reply to " + args[0] + ", got " + reply);
    }

    private Object reply(long end) throws IOException {
        String line = line(end);
        if (line.isEmpty()) {
            throw new IOException("empty reply line");
        }
        String rest = line.substring(1);
        switch (line.charAt(0)) {
            case '+':
                return rest;
            case '-':
                throw new RedisError(rest);
            case ':':
                return Long.parseLong(rest);
            case '$': {
                int length = Integer.parseInt(rest);
                if (length < 0) {
                    return null;
                }
                byte[] bulk = new byte[length + 2];
                int read = 0;
                while (read < bulk.length) {
                    socket.setSoTimeout(HttpText.remainingMillis(end));
                    int n = in.read(bulk, read, bulk.length - read);
                    if (n < 0) {
                        throw new EOFException("connection closed in a reply");
                    }
                    read += n;
                }
                return new String(bulk, 0, length, StandardCharsets.UTF_8);
            }
            case '*': {
                int count = Integer.parseInt(rest);
                if (count < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    items.add(reply(end));
                }
                return items;
            }
            default:
                throw new IOException("not a RESP reply: " + line);
        }
    }

    private String line(long end) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        while (true) {
            socket.setSoTimeout(HttpText.remainingMillis(end));
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed by the server");
            }
            if (b == '\n') {
                byte[] raw = bytes.toByteArray();
                int length = raw.length > 0 && raw[raw.length - 1] == '\r' ? raw.length - 1 : raw.length;
                return new String(raw, 0, length, StandardCharsets.UTF_8);
            }
            bytes.write(b);
        }
    }

    /** The local address of the connection (which client connection the server sees). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
