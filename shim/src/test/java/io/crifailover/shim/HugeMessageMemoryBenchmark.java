package io.crifailover.shim;

import io.crifailover.shim.transport.SocketFile;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.stub.ClientCalls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark (not a test; run by bench/shim-memory.sh): the shim's resident memory while it relays
 * huge messages and after. A shim process (own JVM, given JVM options) sits in front of a raw
 * gRPC server that accepts messages up to 128 MiB and answers each with an empty message. After a
 * warm-up, the benchmark sends messages just under the shim's 64 MiB limit (relayed) and just over
 * it (refused with RESOURCE_EXHAUSTED), one at a time and then several at once, reading the
 * shim's VmRSS after each step and for a while after the last. Writes a JSON summary.
 */
public final class HugeMessageMemoryBenchmark {

    private static final int LIMIT = ShimConfig.DEFAULT_MAX_MESSAGE_BYTES;
    private static final MethodDescriptor<byte[], byte[]> METHOD =
            RawMarshaller.rawMethod("runtime.v1.RuntimeService/RunPodSandbox").toBuilder()
                    .setType(MethodDescriptor.MethodType.UNARY)
                    .build();

    /** The JVM options bin/cri-failover starts the shim with. */
    private static final List<String> LAUNCHER_OPTIONS = List.of(
            "-XX:+UseSerialGC",
            "-Xms32m",
            "-XX:TrimNativeHeapInterval=5000",
            "-Xss512k",
            "-XX:+ExitOnOutOfMemoryError");

    private HugeMessageMemoryBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of("bench/results/shim-memory.json");
        int calls = 5;
        int parallel = 4;
        int idleSeconds = 30;
        List<String> javaOptions = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--calls" -> calls = Integer.parseInt(args[++i]);
                case "--parallel" -> parallel = Integer.parseInt(args[++i]);
                case "--idle-seconds" -> idleSeconds = Integer.parseInt(args[++i]);
                case "--shim-java-options" ->
                    javaOptions.addAll(Arrays.asList(args[++i].trim().split("\\s+")));
                default ->
                    throw new IllegalArgumentException("unknown argument " + args[i]
                            + "; known: --out FILE --calls N --parallel N --idle-seconds N --shim-java-options 'OPTS'");
            }
        }
        if (javaOptions.isEmpty()) {
            javaOptions.addAll(LAUNCHER_OPTIONS);
        }
        String json = run(calls, parallel, idleSeconds, javaOptions);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, json, StandardCharsets.UTF_8);
        System.out.println(json);
        System.exit(0);
    }

    private static String run(int calls, int parallel, int idleSeconds, List<String> javaOptions) throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "bench-memory-");
        Path runtimeSocket = dir.resolve("runtime.sock");
        Path shimSocket = dir.resolve("cri.sock");
        Path log = dir.resolve("shim.log");
        EventLoopGroup group = new EpollEventLoopGroup(1, new DefaultThreadFactory("raw-runtime", true));
        Server runtime = NettyServerBuilder.forAddress(new DomainSocketAddress(runtimeSocket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(group)
                .workerEventLoopGroup(group)
                .maxInboundMessageSize(2 * LIMIT)
                .fallbackHandlerRegistry(new io.grpc.HandlerRegistry() {
                    @Override
                    public ServerMethodDefinition<?, ?> lookupMethod(String name, String authority) {
                        return ServerMethodDefinition.create(RawMarshaller.rawMethod(name), new EmptyAnswer());
                    }
                })
                .build()
                .start();
        Process shim = startShim(shimSocket, runtimeSocket, log, javaOptions);
        ManagedChannel channel = UnixChannels.open(shimSocket);
        try {
            StringBuilder steps = new StringBuilder();
            for (int i = 0; i < 2_000; i++) {
                call(channel, 100);
            }
            long start = rssKib(shim.pid());
            step(steps, "after 2000 small calls", start, "OK");
            long peak = start;
            for (int i = 1; i <= calls; i++) {
                String under = call(channel, LIMIT - 1024);
                long rss = rssKib(shim.pid());
                peak = Math.max(peak, rss);
                step(steps, "under the limit #" + i, rss, under);
                String over = call(channel, LIMIT + 1024);
                rss = rssKib(shim.pid());
                peak = Math.max(peak, rss);
                step(steps, "over the limit #" + i, rss, over);
            }
            List<CompletableFuture<String>> together = new ArrayList<>();
            for (int i = 0; i < parallel; i++) {
                int size = i % 2 == 0 ? LIMIT - 1024 : LIMIT + 1024;
                together.add(CompletableFuture.supplyAsync(() -> call(channel, size)));
            }
            List<String> codes = new ArrayList<>();
            for (CompletableFuture<String> f : together) {
                codes.add(f.get(5, TimeUnit.MINUTES));
            }
            long rss = rssKib(shim.pid());
            peak = Math.max(peak, rss);
            step(steps, parallel + " at once, alternately under and over", rss, String.join("+", codes));
            long afterIdle = rss;
            for (int s = 1; s <= idleSeconds; s++) {
                TimeUnit.SECONDS.sleep(1);
                call(channel, 100);
                afterIdle = rssKib(shim.pid());
                if (s % 10 == 0 || s == idleSeconds) {
                    step(steps, "idle " + s + " s (one small call a second)", afterIdle, "OK");
                }
            }
            return """
                    {
                      "benchmark": "shim-memory",
                      "when": "%s",
                      "shim_java_options": "%s",
                      "limit_bytes": %d,
                      "under_bytes": %d,
                      "over_bytes": %d,
                      "calls_each": %d,
                      "parallel": %d,
                      "rss_mib_start": %.1f,
                      "rss_mib_peak_sampled": %.1f,
                      "rss_mib_after_idle": %.1f,
                      "steps": [
                    %s
                      ]
                    }
                    """.formatted(
                            Instant.now(),
                            String.join(" ", javaOptions),
                            LIMIT,
                            LIMIT - 1024,
                            LIMIT + 1024,
                            calls,
                            parallel,
                            start / 1024.0,
                            peak / 1024.0,
                            afterIdle / 1024.0,
                            steps);
        } finally {
            UnixChannels.close(channel);
            shim.destroy();
            if (!shim.waitFor(10, TimeUnit.SECONDS)) {
                shim.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            runtime.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            Files.deleteIfExists(log);
            Files.deleteIfExists(shimSocket);
            Files.deleteIfExists(runtimeSocket);
            Files.deleteIfExists(dir);
        }
    }

    private static void step(StringBuilder steps, String what, long rssKib, String status) {
        steps.append(steps.length() == 0 ? "" : ",\n")
                .append(String.format(
                        "    {\"step\": \"%s\", \"rss_mib\": %.1f, \"status\": \"%s\"}",
                        what, rssKib / 1024.0, status));
    }

    /** One unary call of {@code size} bytes; returns its status code. */
    private static String call(ManagedChannel channel, int size) {
        try {
            ClientCalls.blockingUnaryCall(
                    channel, METHOD, CallOptions.DEFAULT.withDeadlineAfter(2, TimeUnit.MINUTES), new byte[size]);
            return "OK";
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode().name();
        }
    }

    private static long rssKib(long pid) throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }

    private static Process startShim(Path socket, Path runtime, Path log, List<String> javaOptions) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(javaOptions);
        command.addAll(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                "io.crifailover.shim.cli.CriFailoverCli",
                "shim",
                "--listen",
                socket.toString(),
                "--runtime",
                runtime.toString(),
                "--metrics-address",
                "none"));
        Process process = new ProcessBuilder(command)
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

    /** Reads the request and answers with an empty message. */
    private static final class EmptyAnswer implements ServerCallHandler<byte[], byte[]> {
        @Override
        public ServerCall.Listener<byte[]> startCall(ServerCall<byte[], byte[]> call, Metadata headers) {
            call.request(1);
            return new ServerCall.Listener<>() {
                @Override
                public void onHalfClose() {
                    call.sendHeaders(new Metadata());
                    call.sendMessage(new byte[0]);
                    call.close(Status.OK, new Metadata());
                }
            };
        }
    }
}
