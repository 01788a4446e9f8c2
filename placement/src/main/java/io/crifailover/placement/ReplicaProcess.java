package io.crifailover.placement;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs this node's placement replica in a child process of its own (its own JVM: {@link PlacementReplicaCommand}
 * with {@code --stdin-control --parent-pid}) and keeps it running. The child reads the same configuration directory
 * and key files as an in-process replica would. The supervisor only starts, watches and kills processes: it never
 * waits on the replica, so a wedged replica cannot block its caller.
 *
 * <ul>
 *   <li>A child that ends (it ends itself with {@code WEDGED} when its {@link ReplicaWedgeDetector} finds it wedged,
 *       or it crashed) is killed for sure ({@link Process#destroyForcibly()}, SIGKILL) and a fresh one is started,
 *       after 200 ms doubling to at most 10 s while children keep dying young; it catches up by state transfer.
 *   <li>Once ready, the child is asked for its {@link ReplicaStatus} every {@code statusEvery}; one that answers
 *       nothing for {@code silentAfter} (a hung JVM) is killed and replaced the same way.
 *   <li>The child's stdout and stderr go to {@code log} (0600, rotated to {@code log.1} past 16 MiB at a start); the
 *       supervisor's own log says when a child starts, is ready, is wedged and ends.
 *   <li>The child never outlives this process: it ends when its stdin closes or this process is gone.
 * </ul>
 */
public final class ReplicaProcess implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaProcess.class);
    private static final long ROTATE_BYTES = 16L * 1024 * 1024;
    private static final Duration FIRST_RESTART_DELAY = Duration.ofMillis(200);
    private static final Duration MAX_RESTART_DELAY = Duration.ofSeconds(10);
    /** A child ready for this long is healthy: the restart delay starts over. */
    private static final Duration HEALTHY_AFTER = Duration.ofSeconds(60);

    private final int id;
    private final Path configDir;
    private final Options options;
    private final Writer log;
    private final ScheduledExecutorService supervisor;
    private final Object stdinLock = new Object();
    private final BlockingQueue<String> digests = new LinkedBlockingQueue<>();
    private final AtomicInteger restarts = new AtomicInteger();
    private volatile Child child;
    private volatile boolean closed;
    private volatile ReplicaStatus lastStatus;
    private long restartDelayNanos = FIRST_RESTART_DELAY.toNanos();
    private long nextStartNanos;

    /**
     * How the child is run.
     *
     * @param command     java, its options, the class path and the main class (taking {@code --id --config
     *                    --stdin-control --parent-pid})
     * @param log         file for the child's output
     * @param statusEvery how often a ready child is asked for its status
     * @param silentAfter a ready child that answers nothing for this long is killed and replaced
     */
    public record Options(List<String> command, Path log, Duration statusEvery, Duration silentAfter) {
        public Options {
            command = List.copyOf(command);
        }

        /** This JVM's java and class path, {@link PlacementReplicaCommand}, status every 500 ms, silent after 10 s. */
        public static Options defaults(Path log) {
            return new Options(
                    javaCommand(PlacementReplicaCommand.class.getName()),
                    log,
                    Duration.ofMillis(500),
                    Duration.ofSeconds(10));
        }

        /** The java of this JVM with small-heap options and this JVM's class path, running {@code mainClass}. */
        public static List<String> javaCommand(String mainClass) {
            return List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx128m",
                    "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1",
                    "-XX:+ExitOnOutOfMemoryError",
                    "-cp",
                    System.getProperty("java.class.path"),
                    mainClass);
        }

        public Options withSilentAfter(Duration silent) {
            return new Options(command, log, statusEvery, silent);
        }
    }

    /** One child process and what it said. */
    private static final class Child {
        final Process process;
        final long startedNanos = System.nanoTime();
        volatile long readyNanos;
        volatile long lastAnswerNanos;
        volatile String wedged;
        volatile String lastLine = "";
        boolean exitHandled;

        Child(Process process) {
            this.process = process;
        }

        boolean ready() {
            return readyNanos != 0;
        }
    }

    private ReplicaProcess(int id, Path configDir, Options options, Writer log) {
        this.id = id;
        this.configDir = configDir;
        this.options = options;
        this.log = log;
        this.supervisor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "placement-replica-" + id + "-supervisor");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts replica {@code id} of the cluster configured in {@code configDir} (written by {@link
     * ClusterConfigWriter}, with this member's private key) in a child process and supervises it until {@link
     * #close()}. Returns at once; {@link #awaitReady} waits for the replica.
     */
    public static ReplicaProcess start(int id, Path configDir, Options options) throws IOException {
        ReplicaProcess replica = new ReplicaProcess(id, configDir, options, openLog(options.log()));
        replica.launch();
        long every = options.statusEvery().toMillis();
        replica.supervisor.scheduleWithFixedDelay(replica::tick, every, every, TimeUnit.MILLISECONDS);
        return replica;
    }

    private static Writer openLog(Path log) throws IOException {
        if (Files.isRegularFile(log) && Files.size(log) > ROTATE_BYTES) {
            Files.move(log, log.resolveSibling(log.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.exists(log)) {
            Files.createFile(log, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("rw-------"));
        return Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    private void launch() throws IOException {
        List<String> cmd = new ArrayList<>(options.command());
        cmd.addAll(List.of(
                "--id",
                Integer.toString(id),
                "--config",
                configDir.toString(),
                "--stdin-control",
                "--parent-pid",
                Long.toString(ProcessHandle.current().pid())));
        Process process = new ProcessBuilder(cmd).directory(configDir.toFile()).start();
        Child started = new Child(process);
        child = started;
        lastStatus = null;
        write("--- " + Instant.now() + " placement replica " + id + " started as process " + process.pid());
        LOG.info("placement replica {} started as process {} (output in {})", id, process.pid(), options.log());
        pump(started, process.getInputStream(), true, "out");
        pump(started, process.getErrorStream(), false, "err");
        process.onExit().thenRun(this::wakeUp);
    }

    private void pump(Child c, InputStream stream, boolean protocol, String what) {
        Thread t = new Thread(
                () -> {
                    try (BufferedReader in =
                            new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                        for (String line = in.readLine(); line != null; line = in.readLine()) {
                            if (!protocol || !answer(c, line)) {
                                c.lastLine = line;
                                write(line);
                            }
                        }
                    } catch (IOException e) {
                        // the child is gone
                    }
                },
                "placement-replica-" + id + "-" + what);
        t.setDaemon(true);
        t.start();
    }

    /** Handles a protocol line; false for anything else (logged as output). */
    private boolean answer(Child c, String line) {
        if (line.startsWith("STATUS ")) {
            String s = line.substring("STATUS ".length());
            c.lastAnswerNanos = System.nanoTime();
            if (c == child) {
                ReplicaStatus previous = lastStatus;
                lastStatus = s.equals("none") ? null : ReplicaStatus.parse(s);
                logProtocolChange(previous, lastStatus);
            }
            return true;
        }
        if (line.startsWith("DIGEST ")) {
            digests.add(line.substring("DIGEST ".length()));
            return true;
        }
        if (line.startsWith("READY ")) {
            c.readyNanos = System.nanoTime();
            c.lastAnswerNanos = c.readyNanos;
            LOG.info(
                    "placement replica {} ready (process {}, {} ms after its start)",
                    id,
                    c.process.pid(),
                    (c.readyNanos - c.startedNanos) / 1_000_000);
            write(line);
            return true;
        }
        if (line.startsWith("WEDGED ")) {
            c.wedged = line.substring("WEDGED ".length());
            LOG.error("placement replica {} (process {}) is wedged: {}; replacing it", id, c.process.pid(), c.wedged);
            write(line);
            c.process.destroyForcibly();
            return true;
        }
        return false;
    }

    /** Logs a change of leader, regency, leader change or state transfer: what an operator reads after a stall. */
    private void logProtocolChange(ReplicaStatus before, ReplicaStatus now) {
        if (now == null) {
            return;
        }
        boolean changed = before == null
                || before.regency() != now.regency()
                || before.nextRegency() != now.nextRegency()
                || before.leader() != now.leader()
                || before.retrievingState() != now.retrievingState();
        if (changed) {
            LOG.info(
                    "placement replica {}: regency {}{}, leader {}, executed consensus {}{}",
                    id,
                    now.regency(),
                    now.inLeaderChange() ? " (asking for " + now.nextRegency() + ")" : "",
                    now.leader(),
                    now.lastExecuted(),
                    now.retrievingState() ? ", retrieving state" : "");
        }
    }

    private void wakeUp() {
        try {
            supervisor.execute(this::tick);
        } catch (RejectedExecutionException closing) {
            // closed
        }
    }

    /** One round of supervision: restart an ended child, kill a silent one, ask a ready one for its status. */
    private void tick() {
        try {
            Child c = child;
            if (closed || c == null) {
                return;
            }
            long now = System.nanoTime();
            if (!c.process.isAlive()) {
                if (!c.exitHandled) {
                    ended(c, now);
                }
                if (now - nextStartNanos >= 0) {
                    launch();
                }
                return;
            }
            if (!c.ready()) {
                return;
            }
            if (now - c.lastAnswerNanos > options.silentAfter().toNanos()) {
                LOG.error(
                        "placement replica {} (process {}) answered nothing for {} ms: killing it",
                        id,
                        c.process.pid(),
                        options.silentAfter().toMillis());
                c.process.destroyForcibly();
                return;
            }
            send(c, "status");
        } catch (IOException | RuntimeException e) {
            LOG.warn("supervising placement replica {} failed: {}", id, e.toString());
        }
    }

    private void ended(Child c, long now) {
        c.exitHandled = true;
        lastStatus = null;
        c.process.destroyForcibly();
        boolean healthy = c.ready() && now - c.readyNanos >= HEALTHY_AFTER.toNanos();
        if (healthy) {
            restartDelayNanos = FIRST_RESTART_DELAY.toNanos();
        }
        nextStartNanos = now + restartDelayNanos;
        int n = restarts.incrementAndGet();
        LOG.warn(
                "placement replica {} (process {}) ended with exit code {}{} after {} s; starting a fresh one in {} ms"
                        + " (restart {}); last output: {}",
                id,
                c.process.pid(),
                c.process.exitValue(),
                c.wedged != null ? " (wedged)" : "",
                (now - c.startedNanos) / 1_000_000_000,
                restartDelayNanos / 1_000_000,
                n,
                c.lastLine);
        restartDelayNanos = Math.min(2 * restartDelayNanos, MAX_RESTART_DELAY.toNanos());
    }

    private void send(Child c, String line) {
        synchronized (stdinLock) {
            try {
                OutputStream in = c.process.getOutputStream();
                in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                in.flush();
            } catch (IOException e) {
                // the child is gone; the next tick restarts it
            }
        }
    }

    private void write(String line) {
        synchronized (log) {
            try {
                log.write(line);
                log.write('\n');
                log.flush();
            } catch (IOException e) {
                // the log is closed or the disk full: the replica runs on regardless
            }
        }
    }

    /** Waits at most {@code timeout} for the current child to be ready; false if it is not. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Child c = child;
            if (c != null && c.ready() && c.process.isAlive()) {
                return true;
            }
            if (closed || System.nanoTime() - deadline >= 0) {
                return false;
            }
            Thread.sleep(20);
        }
    }

    /** The status the replica reported last, or null while none is known (starting, restarting). */
    public ReplicaStatus status() {
        return lastStatus;
    }

    /** Asks the replica for its status now and waits at most {@code timeout} for the answer. */
    public ReplicaStatus freshStatus(Duration timeout) throws IOException, InterruptedException {
        Child c = child;
        long asked = System.nanoTime();
        send(c, "status");
        long deadline = asked + timeout.toNanos();
        while (System.nanoTime() - deadline < 0) {
            ReplicaStatus s = lastStatus;
            if (c.lastAnswerNanos - asked > 0 && s != null && c == child) {
                return s;
            }
            Thread.sleep(10);
        }
        throw new IOException(
                "placement replica " + id + " did not report its status within " + timeout.toMillis() + " ms");
    }

    /** Asks the replica for its state digest ({@code sha256 applied-commands}). */
    public String digest(Duration timeout) throws IOException, InterruptedException {
        digests.clear();
        send(child, "digest");
        String line = digests.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (line == null) {
            throw new IOException("placement replica " + id + " did not report its digest");
        }
        return line;
    }

    /** How often a child ended (wedged, crashed, killed) and was replaced. */
    public int restarts() {
        return restarts.get();
    }

    /** The current child's process id. */
    public long pid() {
        return child.process.pid();
    }

    public int id() {
        return id;
    }

    /** Kills the child (SIGKILL) and stops supervising; waits up to 10 s for it to be gone. */
    @Override
    public void close() {
        closed = true;
        supervisor.shutdownNow();
        Child c = child;
        if (c != null) {
            c.process.destroyForcibly();
            try {
                c.process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (log) {
            try {
                log.close();
            } catch (IOException e) {
                LOG.debug("closing the replica log: {}", e.toString());
            }
        }
    }
}
