package io.crifailover.sniffer;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.TimeUnit;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketCredentials;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sniffer's debug socket: a unix socket that only root may use (peer credentials are
 * checked on every connection, besides the socket file's mode). A client receives the recent
 * history as decoded JSON lines, then the line {@code {"kind":"live"}}, then every new event as
 * it is captured. The server follows the capture directory, so it works for sniffer runs started
 * by any runtime; the shim can embed it or run it via {@code sniff serve}.
 */
public final class DebugServer implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(DebugServer.class);
    /** Marker between history and live stream. */
    public static final String LIVE_MARKER = "{\"kind\":\"live\"}";

    private static final int CLIENT_QUEUE = 10_000;

    /** Server options: history length, poll interval, socket file mode (e.g. "rw-------"). */
    public record Options(int historySize, Duration pollInterval, String socketMode) {
        public static Options defaults() {
            return new Options(2000, Duration.ofMillis(100), "rw-------");
        }
    }

    private final Path socketPath;
    private final AFUNIXServerSocket server;
    private final CaptureTailer tailer;
    private final Options options;
    private final ArrayDeque<String> history = new ArrayDeque<>();
    private final Set<BlockingQueue<String>> clients = new CopyOnWriteArraySet<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;

    private DebugServer(Path socketPath, AFUNIXServerSocket server, CaptureStore store, Options options) {
        this.socketPath = socketPath;
        this.server = server;
        this.tailer = new CaptureTailer(store);
        this.options = options;
    }

    /** Binds the socket (replacing a stale one), loads the history and starts serving. */
    public static DebugServer start(Path socketPath, CaptureStore store, Options options) throws IOException {
        Path parent = socketPath.toAbsolutePath().getParent();
        if (!Files.isDirectory(parent)) {
            Files.createDirectories(
                    parent, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        Files.deleteIfExists(socketPath);
        AFUNIXServerSocket server = AFUNIXServerSocket.newInstance();
        server.bind(AFUNIXSocketAddress.of(socketPath));
        Files.setPosixFilePermissions(socketPath, PosixFilePermissions.fromString(options.socketMode()));
        DebugServer s = new DebugServer(socketPath, server, store, options);
        s.pollOnce();
        s.spawn("sniffer-debug-poll", s::pollLoop);
        s.spawn("sniffer-debug-accept", s::acceptLoop);
        return s;
    }

    /** The socket's path. */
    public Path socketPath() {
        return socketPath;
    }

    private void spawn(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private void pollLoop() {
        while (!closed) {
            try {
                TimeUnit.MILLISECONDS.sleep(options.pollInterval().toMillis());
                pollOnce();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException | RuntimeException ex) {
                LOG.warn("reading captures failed: {}", ex.toString());
            }
        }
    }

    private void pollOnce() throws IOException {
        List<CaptureEvent> events = tailer.poll();
        synchronized (history) {
            for (CaptureEvent e : events) {
                String line = EventJson.line(e);
                history.addLast(line);
                while (history.size() > options.historySize()) {
                    history.removeFirst();
                }
                for (BlockingQueue<String> q : clients) {
                    if (!q.offer(line)) {
                        clients.remove(q);
                        q.clear();
                        q.offer("");
                    }
                }
            }
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                AFUNIXSocket client = server.accept();
                Thread t = new Thread(() -> serve(client), "sniffer-debug-client");
                t.setDaemon(true);
                t.start();
            } catch (IOException ex) {
                if (!closed) {
                    LOG.warn("accept failed: {}", ex.toString());
                }
            }
        }
    }

    private void serve(AFUNIXSocket client) {
        BlockingQueue<String> queue = new ArrayBlockingQueue<>(CLIENT_QUEUE);
        try (client;
                OutputStream out = client.getOutputStream()) {
            AFUNIXSocketCredentials creds = client.getPeerCredentials();
            if (creds == null || creds.getUid() != 0) {
                long uid = creds == null ? -1 : creds.getUid();
                LOG.warn("refused debug socket client pid {} uid {}", creds == null ? -1 : creds.getPid(), uid);
                write(
                        out,
                        "{\"error\":\"permission denied: the sniffer debug socket is root-only, peer uid is " + uid
                                + "\"}");
                return;
            }
            List<String> snapshot;
            synchronized (history) {
                snapshot = new ArrayList<>(history);
                clients.add(queue);
            }
            for (String line : snapshot) {
                write(out, line);
            }
            write(out, LIVE_MARKER);
            while (!closed) {
                String line = queue.poll(1, TimeUnit.SECONDS);
                if (line == null) {
                    continue;
                }
                if (line.isEmpty()) {
                    return; // dropped: client too slow
                }
                write(out, line);
            }
        } catch (IOException ex) {
            LOG.debug("debug client left: {}", ex.toString());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        } finally {
            clients.remove(queue);
        }
    }

    private static void write(OutputStream out, String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Thread t : threads) {
            t.interrupt();
        }
        Files.deleteIfExists(socketPath);
    }
}
