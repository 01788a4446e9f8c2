package io.crifailover.shim.transport;

import java.time.Duration;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns gRPC's report of each failed server connection (a malformed HTTP/2 preface, garbage bytes,
 * a protocol error: "Transport failed" with a 25-line stack trace on java.util.logging) into at
 * most one WARN line per {@link #INTERVAL}, naming the last cause and how many were folded in. A
 * local process opening bad connections in a loop thus costs a few log lines a minute, not
 * megabytes.
 */
public final class BrokenConnectionLog extends Handler {

    /** gRPC's JUL logger for server connection failures. */
    static final String GRPC_LOGGER = "io.grpc.netty.shaded.io.grpc.netty.NettyServerTransport.connections";
    /** At most one line per this interval. */
    public static final Duration INTERVAL = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(BrokenConnectionLog.class);
    /** Held strongly: JUL keeps loggers only weakly, and a collected logger loses its settings. */
    private static final java.util.logging.Logger GRPC = java.util.logging.Logger.getLogger(GRPC_LOGGER);

    private static final BrokenConnectionLog INSTANCE = new BrokenConnectionLog();

    private long lastLineNanos;
    private boolean loggedOnce;
    private int folded;

    private BrokenConnectionLog() {}

    /** Routes gRPC's connection failures through this rate limit (idempotent). */
    public static synchronized void install() {
        for (Handler h : GRPC.getHandlers()) {
            if (h == INSTANCE) {
                return;
            }
        }
        GRPC.setUseParentHandlers(false);
        GRPC.setLevel(Level.INFO); // FINE ones are ordinary disconnects
        GRPC.addHandler(INSTANCE);
    }

    @Override
    public void publish(LogRecord record) {
        if (record.getLevel().intValue() < Level.INFO.intValue()) {
            return;
        }
        String cause = describe(record.getThrown());
        int more;
        synchronized (this) {
            long now = System.nanoTime();
            if (loggedOnce && now - lastLineNanos < INTERVAL.toNanos()) {
                folded++;
                return;
            }
            loggedOnce = true;
            lastLineNanos = now;
            more = folded;
            folded = 0;
        }
        LOG.warn(
                "broken connection on the CRI socket closed: {}{}",
                cause,
                more == 0 ? "" : " (" + more + " more in the last " + INTERVAL.toSeconds() + " s)");
    }

    private static String describe(Throwable thrown) {
        if (thrown == null) {
            return "no cause given";
        }
        Throwable root = thrown;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = String.valueOf(root.getMessage()).replaceAll("\\s+", " ");
        if (message.length() > 200) {
            message = message.substring(0, 200) + "...";
        }
        return root.getClass().getSimpleName() + ": " + message;
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
}
