package io.crifailover.shim;

import io.crifailover.protos.cri.ContainerStatusRequest;
import io.crifailover.protos.cri.ListContainerStatsRequest;
import io.crifailover.protos.cri.ListContainersRequest;
import io.crifailover.protos.cri.ListPodSandboxRequest;
import io.crifailover.protos.cri.PodSandboxConfig;
import io.crifailover.protos.cri.PodSandboxStatusRequest;
import io.crifailover.protos.cri.RuntimeServiceGrpc;
import io.crifailover.protos.cri.StatusRequest;
import io.crifailover.protos.cri.VersionRequest;
import io.crifailover.shim.transport.SocketFile;
import io.crifailover.shim.transport.UnixEndpoint;
import io.crifailover.testsupport.ContainerdNode;
import io.crifailover.testsupport.CriClient;
import io.crifailover.testsupport.TestImages;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark (not a test; run by bench/proxy-overhead.sh): a kubelet-like closed loop of
 * ListPodSandbox, ListContainers, PodSandboxStatus, ContainerStatus, ListContainerStats and Status
 * against containerd with 50 running pods, directly and through a shim running as its own
 * process (or, with --in-process, inside this JVM), alternating in the same run (ABBA order to
 * cancel drift), after a JIT warm-up of both paths. Writes a JSON summary.
 */
public final class ProxyOverheadBenchmark {

    private static final int WARM_UP_CALLS = 10_000;

    private final int pods;
    private final int clients;
    private final Duration round;
    private final int rounds;
    private final int shimNice;
    private final boolean inProcess;
    private final boolean[] enabledOps;
    private final List<String> podIds = new ArrayList<>();
    private final List<String> containerIds = new ArrayList<>();

    private ProxyOverheadBenchmark(
            int pods, int clients, Duration round, int rounds, int shimNice, boolean inProcess, boolean[] enabledOps) {
        this.enabledOps = enabledOps;
        this.shimNice = shimNice;
        this.inProcess = inProcess;
        this.pods = pods;
        this.clients = clients;
        this.round = round;
        this.rounds = rounds;
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of("bench/results/proxy-overhead.json");
        int pods = 50;
        int clients = 2;
        int roundSeconds = 5;
        int rounds = 6;
        int shimNice = 0;
        boolean inProcess = false;
        boolean[] enabledOps = new boolean[OPS.length];
        Arrays.fill(enabledOps, true);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--pods" -> pods = Integer.parseInt(args[++i]);
                case "--clients" -> clients = Integer.parseInt(args[++i]);
                case "--round-seconds" -> roundSeconds = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--shim-nice" -> shimNice = Integer.parseInt(args[++i]);
                case "--in-process" -> inProcess = true;
                case "--ops" -> enabledOps = selectOps(args[++i]);
                default ->
                    throw new IllegalArgumentException(
                            "unknown argument " + args[i]
                                    + "; known: --out FILE --pods N --clients N --round-seconds N --rounds N --shim-nice N --in-process --ops A,B");
            }
        }
        String json = new ProxyOverheadBenchmark(
                        pods, clients, Duration.ofSeconds(roundSeconds), rounds, shimNice, inProcess, enabledOps)
                .run();
        Files.createDirectories(out.toAbsolutePath().getParent());
        Path temp = Files.createTempFile(out.toAbsolutePath().getParent(), ".proxy-overhead", ".json");
        Files.writeString(temp, json, StandardCharsets.UTF_8);
        Files.move(temp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        System.out.println(json);
        System.exit(0);
    }

    /** The operations named in {@code list} (comma-separated names of {@link #OPS}). */
    private static boolean[] selectOps(String list) {
        boolean[] enabled = new boolean[OPS.length];
        for (String name : list.split(",")) {
            int op = Arrays.asList(OPS).indexOf(name.trim());
            if (op < 0) {
                throw new IllegalArgumentException("unknown operation " + name + "; known: " + String.join(",", OPS));
            }
            enabled[op] = true;
        }
        return enabled;
    }

    private String run() throws Exception {
        try (ContainerdNode node = ContainerdNode.start("bench")) {
            CriClient cri = node.cri();
            String pause = TestImages.shared().pauseImage();
            for (int i = 0; i < pods; i++) {
                PodSandboxConfig pod = cri.podConfig("bench-" + i, Map.of());
                String podId = cri.runPod(pod);
                String containerId = cri.createContainer(podId, pod, "app", pause);
                cri.startContainer(containerId);
                podIds.add(podId);
                containerIds.add(containerId);
            }
            Path dir = Files.createTempDirectory(Path.of("/tmp"), "bench-shim-");
            Path socket = dir.resolve("cri.sock");
            Path log = dir.resolve("shim.log");
            try {
                if (inProcess) {
                    try (ShimDaemon daemon = ShimDaemon.start(
                            ShimConfig.of(new UnixEndpoint(socket), new UnixEndpoint(node.socket())))) {
                        return measure(
                                node.socket(),
                                daemon.socket(),
                                ProcessHandle.current().pid());
                    }
                }
                Process shim = startShim(socket, node.socket(), log, shimNice);
                try {
                    return measure(node.socket(), socket, shim.pid());
                } finally {
                    shim.destroy();
                    if (!shim.waitFor(10, TimeUnit.SECONDS)) {
                        shim.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                }
            } finally {
                Files.deleteIfExists(log);
                Files.deleteIfExists(socket);
                Files.deleteIfExists(dir);
            }
        }
    }

    private static Process startShim(Path socket, Path runtime, Path log, int nice) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(
                        "nice",
                        "-n",
                        Integer.toString(nice),
                        java,
                        "-XX:+UseSerialGC",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "io.crifailover.shim.cli.CriFailoverCli",
                        "shim",
                        "--listen",
                        socket.toString(),
                        "--runtime",
                        runtime.toString(),
                        "--metrics-address",
                        "none")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "stop-bench-shim"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!SocketFile.accepts(socket)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException("shim did not start:\n" + Files.readString(log));
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
        return process;
    }

    /**
     * @param shimPid process the shim runs in; its CPU time over the measured rounds, divided by the
     *     calls through the shim, is reported (in-process this includes the benchmark's own work)
     */
    private String measure(Path runtimeSocket, Path shimSocket, long shimPid) throws Exception {
        ManagedChannel[] direct = channels(runtimeSocket);
        ManagedChannel[] viaShim = channels(shimSocket);
        try {
            warmUp(direct);
            warmUp(viaShim);
            Samples warmDirect = new Samples();
            Samples warmShim = new Samples();
            closedLoop(direct, round, warmDirect);
            closedLoop(viaShim, round, warmShim);

            Samples d = new Samples();
            Samples s = new Samples();
            long cpuBefore = cpuMicros(shimPid);
            for (int r = 0; r < rounds; r++) {
                boolean directFirst = r % 2 == 0;
                closedLoop(directFirst ? direct : viaShim, round, directFirst ? d : s);
                closedLoop(directFirst ? viaShim : direct, round, directFirst ? s : d);
            }
            long shimCpu = cpuMicros(shimPid) - cpuBefore;
            return json(d, s, (double) shimCpu / s.count);
        } finally {
            for (ManagedChannel channel : direct) {
                UnixChannels.close(channel);
            }
            for (ManagedChannel channel : viaShim) {
                UnixChannels.close(channel);
            }
        }
    }

    /**
     * Brings both JVMs' JIT to steady state with cheap calls (a daemon that has run for a few
     * minutes is there; the closed loop alone makes too few calls against a slow runtime).
     */
    private static void warmUp(ManagedChannel[] channels) {
        for (ManagedChannel channel : channels) {
            var stub = RuntimeServiceGrpc.newBlockingStub(channel);
            for (int i = 0; i < WARM_UP_CALLS; i++) {
                stub.withDeadlineAfter(10, TimeUnit.SECONDS).version(VersionRequest.getDefaultInstance());
            }
        }
    }

    private ManagedChannel[] channels(Path socket) {
        ManagedChannel[] channels = new ManagedChannel[clients];
        for (int i = 0; i < clients; i++) {
            channels[i] = UnixChannels.open(socket);
        }
        return channels;
    }

    /** {@code clients} threads each repeat the kubelet mix as fast as answers come back. */
    private void closedLoop(ManagedChannel[] channels, Duration duration, Samples samples) throws Exception {
        long end = System.nanoTime() + duration.toNanos();
        List<Thread> threads = new ArrayList<>();
        List<Samples> perThread = new ArrayList<>();
        for (ManagedChannel channel : channels) {
            Samples mine = new Samples();
            perThread.add(mine);
            var stub = RuntimeServiceGrpc.newBlockingStub(channel);
            Thread thread = new Thread(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (System.nanoTime() < end) {
                    var r = stub.withDeadlineAfter(30, TimeUnit.SECONDS);
                    int i = random.nextInt(podIds.size());
                    timeIf(mine, 0, () -> r.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()));
                    timeIf(mine, 1, () -> r.listContainers(ListContainersRequest.getDefaultInstance()));
                    timeIf(
                            mine,
                            2,
                            () -> r.podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                                    .setPodSandboxId(podIds.get(i))
                                    .build()));
                    timeIf(
                            mine,
                            3,
                            () -> r.containerStatus(ContainerStatusRequest.newBuilder()
                                    .setContainerId(containerIds.get(i))
                                    .build()));
                    timeIf(mine, 4, () -> r.listContainerStats(ListContainerStatsRequest.getDefaultInstance()));
                    timeIf(mine, 5, () -> r.status(StatusRequest.getDefaultInstance()));
                }
            });
            threads.add(thread);
        }
        long start = System.nanoTime();
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join();
        }
        samples.elapsedNanos += System.nanoTime() - start;
        perThread.forEach(samples::addAll);
    }

    private void timeIf(Samples samples, int op, Runnable call) {
        if (!enabledOps[op]) {
            return;
        }
        long start = System.nanoTime();
        call.run();
        samples.add(op, System.nanoTime() - start);
    }

    private static final String[] OPS = {
        "ListPodSandbox", "ListContainers", "PodSandboxStatus", "ContainerStatus", "ListContainerStats", "Status"
    };

    private String operations() {
        List<String> names = new ArrayList<>();
        for (int op = 0; op < OPS.length; op++) {
            if (enabledOps[op]) {
                names.add(OPS[op]);
            }
        }
        return String.join(",", names);
    }

    private static String perOperation(Samples d, Samples s) {
        StringBuilder json = new StringBuilder();
        for (int op = 0; op < OPS.length; op++) {
            json.append(op == 0 ? "" : ",\n")
                    .append(String.format(
                            "    \"%s\": {\"p50_us_direct\": %.1f, \"p50_us_shim\": %.1f}",
                            OPS[op], d.percentileMicros(50, op), s.percentileMicros(50, op)));
        }
        return json.toString();
    }

    /** User plus system CPU time of process {@code pid} so far, in microseconds (clock-tick resolution). */
    private static long cpuMicros(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        return ticks * 10_000L;
    }

    private String json(Samples d, Samples s, double shimCpuMicrosPerCall) throws IOException {
        double p50d = d.percentileMicros(50);
        double p50s = s.percentileMicros(50);
        double p99d = d.percentileMicros(99);
        double p99s = s.percentileMicros(99);
        double opsD = d.opsPerSecond();
        double opsS = s.opsPerSecond();
        String load = Files.readString(Path.of("/proc/loadavg")).trim();
        return """
                {
                  "benchmark": "proxy-overhead",
                  "when": "%s",
                  "pods": %d,
                  "clients": %d,
                  "shim_nice": %d,
                  "shim_process": "%s",
                  "round_seconds": %d,
                  "rounds_per_mode": %d,
                  "calls_direct": %d,
                  "calls_shim": %d,
                  "p50_us_direct": %.1f,
                  "p50_us_shim": %.1f,
                  "p99_us_direct": %.1f,
                  "p99_us_shim": %.1f,
                  "ops_per_s_direct": %.1f,
                  "ops_per_s_shim": %.1f,
                  "p50_added_us": %.1f,
                  "p50_ratio": %.3f,
                  "throughput_ratio": %.3f,
                  "shim_cpu_us_per_call": %.1f,
                  "loadavg_at_end": "%s",
                  "operations": "%s",
                  "per_operation": {
                %s
                  },
                  "cpus": %d
                }
                """.formatted(
                        Instant.now(),
                        pods,
                        clients,
                        shimNice,
                        inProcess ? "in the benchmark JVM" : "own JVM",
                        round.toSeconds(),
                        rounds,
                        d.count,
                        s.count,
                        p50d,
                        p50s,
                        p99d,
                        p99s,
                        opsD,
                        opsS,
                        p50s - p50d,
                        p50s / p50d,
                        opsS / opsD,
                        shimCpuMicrosPerCall,
                        load,
                        operations(),
                        perOperation(d, s),
                        Runtime.getRuntime().availableProcessors());
    }

    /** Latencies in nanoseconds plus the time they were collected in. */
    private static final class Samples {
        long[] values = new long[1 << 16];
        int count;
        long elapsedNanos;

        byte[] ops = new byte[1 << 16];

        void add(int op, long nanos) {
            if (count == values.length) {
                values = Arrays.copyOf(values, count * 2);
                ops = Arrays.copyOf(ops, count * 2);
            }
            ops[count] = (byte) op;
            values[count++] = nanos;
        }

        void addAll(Samples other) {
            for (int i = 0; i < other.count; i++) {
                add(other.ops[i], other.values[i]);
            }
        }

        double percentileMicros(double p) {
            return percentileMicros(p, -1);
        }

        /** Percentile over the calls of operation {@code op}, or of all calls when {@code op} is -1. */
        double percentileMicros(double p, int op) {
            long[] selected = new long[count];
            int n = 0;
            for (int i = 0; i < count; i++) {
                if (op < 0 || ops[i] == op) {
                    selected[n++] = values[i];
                }
            }
            if (n == 0) {
                return Double.NaN;
            }
            long[] sorted = Arrays.copyOf(selected, n);
            Arrays.sort(sorted);
            int index = (int) Math.min(n - 1, Math.ceil(p / 100.0 * n) - 1);
            return sorted[Math.max(0, index)] / 1000.0;
        }

        double opsPerSecond() {
            return count / (elapsedNanos / 1e9);
        }
    }
}
