package io.crifailover.shim;

import io.crifailover.protos.cri.RuntimeServiceGrpc;
import io.crifailover.protos.cri.VersionRequest;
import io.crifailover.shim.transport.UnixEndpoint;
import io.crifailover.testsupport.ContainerdNode;
import io.grpc.ManagedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Benchmark (not a test; run by bench/runtime-outage.sh): containerd is SIGKILLed under a running
 * shim, stays down for each outage length while a kubelet-like caller asks the shim once a second,
 * then is started again. Two pollers (every 5 ms, one straight to containerd on a fresh connection
 * each time, one through the shim) record their first good answer; the figure is how much later the shim's came than containerd's
 * own. Writes a JSON summary.
 */
public final class RuntimeOutageBenchmark {

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    public static void main(String[] args) throws Exception {
        Path out = Path.of("bench/results/runtime-outage.json");
        List<Integer> outages = new ArrayList<>(List.of(10, 60));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--outages" -> {
                    outages.clear();
                    for (String s : args[++i].split(",")) {
                        outages.add(Integer.parseInt(s.trim()));
                    }
                }
                default ->
                    throw new IllegalArgumentException(
                            "unknown argument " + args[i] + "; known: --out FILE --outages 10,60");
            }
        }
        StringBuilder rows = new StringBuilder();
        try (ContainerdNode node = ContainerdNode.start("outage-bench")) {
            Path dir = Files.createTempDirectory(Path.of("/tmp"), "outage-shim-");
            try (ShimDaemon shim = ShimDaemon.start(
                    ShimConfig.of(new UnixEndpoint(dir.resolve("cri.sock")), new UnixEndpoint(node.socket())))) {
                ManagedChannel viaShim = UnixChannels.open(shim.socket());
                try {
                    answers(viaShim);
                    for (int seconds : outages) {
                        String row = outage(node, viaShim, seconds);
                        System.out.println(row);
                        rows.append(rows.length() == 0 ? "" : ",\n")
                                .append("    ")
                                .append(row);
                    }
                } finally {
                    UnixChannels.close(viaShim);
                }
            } finally {
                Files.deleteIfExists(dir.resolve("cri.sock"));
                Files.deleteIfExists(dir.resolve("run"));
                Files.deleteIfExists(dir);
            }
        }
        String json = "{\n  \"benchmark\": \"runtime-outage\",\n"
                + "  \"what\": \"first good answer through the shim after containerd's own, per outage length\",\n"
                + "  \"target_lag_ms\": 500,\n  \"reconnect_interval_ms\": 250,\n"
                + "  \"outages\": [\n" + rows + "\n  ]\n}\n";
        Files.createDirectories(out.toAbsolutePath().getParent());
        Path temp = Files.createTempFile(out.toAbsolutePath().getParent(), ".runtime-outage", ".json");
        Files.writeString(temp, json, StandardCharsets.UTF_8);
        Files.move(temp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        System.out.print(json);
        System.exit(0);
    }

    private static String outage(ContainerdNode node, ManagedChannel viaShim, int seconds) throws Exception {
        node.kill();
        long downUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        int failedDuringOutage = 0;
        while (System.nanoTime() < downUntil) {
            if (!answers(viaShim)) {
                failedDuringOutage++;
            }
            LockSupport.parkNanos(Math.min(TimeUnit.SECONDS.toNanos(1), Math.max(0, downUntil - System.nanoTime())));
        }
        long restart = System.nanoTime();
        // a fresh connection per attempt: a long-lived channel's own reconnect backoff would make
        // containerd look later than it is
        CompletableFuture<Long> runtimeFirst =
                CompletableFuture.supplyAsync(() -> firstAnswer(() -> answersOnNewConnection(node)));
        CompletableFuture<Long> shimFirst = CompletableFuture.supplyAsync(() -> firstAnswer(() -> answers(viaShim)));
        node.restart();
        long runtimeAt = runtimeFirst.get(2, TimeUnit.MINUTES);
        long shimAt = shimFirst.get(2, TimeUnit.MINUTES);
        return String.format(
                Locale.ROOT,
                "{\"outage_s\": %d, \"failed_calls_during_outage\": %d, \"runtime_first_ok_ms\": %.1f, "
                        + "\"shim_first_ok_ms\": %.1f, \"shim_lag_ms\": %.1f}",
                seconds,
                failedDuringOutage,
                (runtimeAt - restart) / 1e6,
                (shimAt - restart) / 1e6,
                (shimAt - runtimeAt) / 1e6);
    }

    /** Polls every 5 ms (bounded: two minutes); returns the nanoTime of the first good answer. */
    private static long firstAnswer(java.util.function.BooleanSupplier answers) {
        long giveUp = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < giveUp) {
            if (answers.getAsBoolean()) {
                return System.nanoTime();
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
        throw new IllegalStateException("no answer within two minutes");
    }

    private static boolean answersOnNewConnection(ContainerdNode node) {
        ManagedChannel fresh = UnixChannels.open(node.socket());
        try {
            return answers(fresh);
        } finally {
            fresh.shutdownNow();
        }
    }

    private static boolean answers(ManagedChannel channel) {
        try {
            RuntimeServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(1, TimeUnit.SECONDS)
                    .version(VersionRequest.getDefaultInstance());
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
