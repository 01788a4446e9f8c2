package io.crifailover.placement;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Benchmark baseline: an etcd (Debian etcd-server) cluster of n members on loopback, each its own process with
 * its own data directory; puts go through etcd's JSON gateway ({@code /v3/kv/put}), which commits them through
 * Raft and fsyncs the WAL like any put.
 */
final class EtcdCluster implements AutoCloseable {
    private static final Pattern MEMBER_ID = Pattern.compile("\"member_id\"\\s*:\\s*\"(\\d+)\"");
    private static final Pattern LEADER = Pattern.compile("\"leader\"\\s*:\\s*\"(\\d+)\"");

    private final Path baseDir;
    private final List<Process> processes = new ArrayList<>();
    private final List<Integer> clientPorts = new ArrayList<>();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private EtcdCluster(Path baseDir) {
        this.baseDir = baseDir;
    }

    static EtcdCluster start(int n) throws Exception {
        EtcdCluster cluster = new EtcdCluster(Files.createTempDirectory("placement-bench-etcd-"));
        try {
            Set<Integer> used = new HashSet<>();
            List<Integer> peerPorts = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int pair = ReplicaCluster.freePortPair(used);
                cluster.clientPorts.add(pair);
                peerPorts.add(pair + 1);
            }
            String initial = java.util.stream.IntStream.range(0, n)
                    .mapToObj(i -> "m" + i + "=http://127.0.0.1:" + peerPorts.get(i))
                    .collect(Collectors.joining(","));
            for (int i = 0; i < n; i++) {
                String client = "http://127.0.0.1:" + cluster.clientPorts.get(i);
                String peer = "http://127.0.0.1:" + peerPorts.get(i);
                Path data = cluster.baseDir.resolve("m" + i);
                ProcessBuilder pb = new ProcessBuilder(
                                "etcd",
                                "--name",
                                "m" + i,
                                "--data-dir",
                                data.toString(),
                                "--listen-client-urls",
                                client,
                                "--advertise-client-urls",
                                client,
                                "--listen-peer-urls",
                                peer,
                                "--initial-advertise-peer-urls",
                                peer,
                                "--initial-cluster",
                                initial,
                                "--initial-cluster-state",
                                "new",
                                "--initial-cluster-token",
                                "placement-bench",
                                "--log-outputs",
                                "stderr",
                                "--logger",
                                "zap",
                                "--log-level",
                                "error")
                        .redirectErrorStream(true)
                        .redirectOutput(
                                cluster.baseDir.resolve("m" + i + ".log").toFile());
                cluster.processes.add(pb.start());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (int i = 0; i < n; i++) {
                while (!cluster.healthy(i)) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("etcd member " + i + " not healthy");
                    }
                    Thread.onSpinWait();
                    TimeUnit.MILLISECONDS.sleep(100);
                }
            }
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    int size() {
        return processes.size();
    }

    private boolean healthy(int member) {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(uri(member, "/health"))
                            .timeout(Duration.ofSeconds(1))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().contains("true");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** One durable put through {@code member}; throws on any non-200 answer. */
    void put(int member, String key, String value, Duration timeout) throws IOException, InterruptedException {
        String body = "{\"key\":\"" + b64(key) + "\",\"value\":\"" + b64(value) + "\"}";
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(uri(member, "/v3/kv/put"))
                        .timeout(timeout)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200 || r.body().contains("\"error\"")) {
            throw new IOException("etcd put failed: " + r.statusCode() + " " + r.body());
        }
    }

    /** Index of the current leader. */
    int leader() throws IOException, InterruptedException {
        List<String> ids = new ArrayList<>();
        String leader = null;
        for (int i = 0; i < size(); i++) {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(uri(i, "/v3/maintenance/status"))
                            .timeout(Duration.ofSeconds(2))
                            .POST(HttpRequest.BodyPublishers.ofString("{}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            ids.add(find(MEMBER_ID, r.body()));
            leader = find(LEADER, r.body());
        }
        int index = ids.indexOf(leader);
        if (index < 0) {
            throw new IOException("no leader among " + ids);
        }
        return index;
    }

    void signal(int member, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder(
                        "kill",
                        "-" + signal,
                        Long.toString(processes.get(member).pid()))
                .start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -" + signal + " failed");
        }
    }

    private static String find(Pattern p, String body) throws IOException {
        Matcher m = p.matcher(body);
        if (!m.find()) {
            throw new IOException("unexpected etcd status: " + body);
        }
        return m.group(1);
    }

    private URI uri(int member, String path) {
        return URI.create("http://127.0.0.1:" + clientPorts.get(member) + path);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> files = Files.walk(baseDir)) {
            files.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
