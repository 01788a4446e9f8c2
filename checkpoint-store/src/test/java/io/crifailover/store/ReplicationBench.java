package io.crifailover.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * Benchmark driver for bench/replication.sh: redis-server with ~100 MiB of random values is dumped with
 * {@code criu dump --leave-running} repeatedly while ~1% of the keys change; each dump (as an uncompressed tar
 * layer in an OCI image) is replicated to a peer store in another network namespace. Then a fresh 1 GiB blob
 * is pushed and compared with {@code cat} over a loopback socket. Writes JSON.
 * Args: work-dir peer-url cluster-key-file out-json.
 */
public final class ReplicationBench {
    private static final int KEYS = 10_000;
    private static final int VALUE = 10 << 10;
    private static final int CHECKPOINTS = 5;

    private ReplicationBench() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        String peerUrl = args[1];
        ClusterKey key = ClusterKey.load(Path.of(args[2]));
        Path outJson = Path.of(args[3]);
        Duration t = Duration.ofMinutes(5);
        CheckpointStore source = CheckpointStore.open(work.resolve("source"));
        PeerClient peer = new PeerClient(peerUrl, new HmacSigner(key, "bench-source"), 600_000);
        Replicator replicator = new Replicator(source);
        Random rnd = new Random(42);

        Path redisDir = Files.createDirectories(work.resolve("redis"));
        // Unix socket only: CRIU 4.1 cannot dump TCP sockets on this kernel (getsockopt SO_PASSCRED -> EOPNOTSUPP).
        Path port = redisDir.resolve("redis.sock");
        Processes.check(t, "redis-server", "--port", "0", "--unixsocket", port.toString(), "--save", "",
                "--appendonly", "no", "--daemonize", "yes", "--dir", redisDir.toString(),
                "--pidfile", redisDir.resolve("redis.pid").toString(), "--logfile", redisDir.resolve("redis.log").toString());
        long pid = -1;
        List<Map<String, Object>> checkpoints = new ArrayList<>();
        try {
            for (int i = 0; i < 100 && !(Files.exists(redisDir.resolve("redis.pid")) && Files.exists(port)); i++) {
                Processes.run(t, "sleep", "0.1");
            }
            pid = Long.parseLong(Files.readString(redisDir.resolve("redis.pid")).trim());
            setKeys(port, rnd, 0, KEYS);
            for (int n = 1; n <= CHECKPOINTS; n++) {
                if (n > 1) {
                    int changed = KEYS / 100;
                    int[] keys = rnd.ints(changed, 0, KEYS).toArray();
                    setKeys(port, rnd, keys);
                }
                Path dump = Files.createDirectories(work.resolve("dump-" + n));
                long d0 = System.nanoTime();
                Processes.check(t, "criu", "dump", "-t", Long.toString(pid), "-D", dump.toString(), "--leave-running",
                        "--shell-job", "-o", "dump.log");
                long dumpMs = (System.nanoTime() - d0) / 1_000_000;
                Files.deleteIfExists(dump.resolve("dump.log"));
                Path tar = work.resolve("layer-" + n + ".tar");
                Processes.check(t, "tar", "--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner",
                        "-C", dump.toString(), "-cf", tar.toString(), ".");
                Digest layer;
                try (InputStream in = Files.newInputStream(tar)) {
                    layer = source.blobs().ingest(in, null);
                }
                long layerSize = Files.size(tar);
                TestImage img = TestImage.of(List.of(), "{\"checkpoint\":" + n + "}");
                String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{"
                        + "\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + Digest.of(img.config)
                        + "\",\"size\":" + img.config.length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
                        + "\"digest\":\"" + layer + "\",\"size\":" + layerSize + "}]}";
                source.blobs().put(img.config, null);
                source.putManifest("ckpt/redis", "" + n, manifest.getBytes(StandardCharsets.UTF_8), MediaTypes.OCI_MANIFEST);
                source.recordCheckpoint("redis", n, "ckpt/redis", "" + n);
                ReplicationReport r = replicator.push(peer, "ckpt/redis", "" + n, "redis", n);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("checkpoint", n);
                m.put("criu_dump_ms", dumpMs);
                m.put("logical_bytes", r.logicalBytes());
                m.put("wire_bytes", r.wireBytes());
                m.put("dedup_ratio", round(r.dedupRatio()));
                m.put("replication_ms", r.nanos() / 1_000_000);
                checkpoints.add(m);
                System.out.println(m);
                Files.delete(tar);
            }
        } finally {
            if (pid > 0) {
                Processes.run(t, "kill", "-9", Long.toString(pid));
            }
        }
        long logical = 0;
        long wire = 0;
        long logicalAfter = 0;
        long wireAfter = 0;
        for (Map<String, Object> m : checkpoints) {
            logical += (Long) m.get("logical_bytes");
            wire += (Long) m.get("wire_bytes");
            if ((Integer) m.get("checkpoint") > 1) {
                logicalAfter += (Long) m.get("logical_bytes");
                wireAfter += (Long) m.get("wire_bytes");
            }
        }

        byte[] chunk = new byte[8 << 20];
        Path big = work.resolve("fresh-1g");
        try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(big))) {
            for (int i = 0; i < 128; i++) {
                rnd.nextBytes(chunk);
                o.write(chunk);
            }
        }
        long catNanos = catOverLoopback(big, t);
        Digest bigDigest;
        try (InputStream in = Files.newInputStream(big)) {
            bigDigest = source.blobs().ingest(in, null);
        }
        long p0 = System.nanoTime();
        long[] lw = replicator.pushBlob(peer, bigDigest);
        long pushNanos = System.nanoTime() - p0;
        double gib = (1L << 30) / (double) (1 << 20);

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("benchmark", "replication");
        out.put("workload", "redis-server " + KEYS + " keys x " + (VALUE >> 10) + " KiB random values (~"
                + (KEYS * (long) VALUE >> 20) + " MiB), " + CHECKPOINTS + " checkpoints, 1% of keys rewritten between checkpoints");
        out.put("checkpoint_source", "criu dump --leave-running of redis-server directly (not through the containerd harness: "
                + "oci-image-builder's checkpoint images were not available yet); each dump directory packed as one uncompressed tar layer");
        out.put("topology", "source store in the benchmark JVM on the host, target store in its own JVM inside a network namespace (veth)");
        out.put("chunking", Map.of("min", ChunkParams.DEFAULT.min(), "avg", ChunkParams.DEFAULT.avg(), "max", ChunkParams.DEFAULT.max()));
        out.put("checkpoints", checkpoints);
        out.put("logical_bytes", logical);
        out.put("wire_bytes", wire);
        out.put("dedup_ratio", round((double) logical / wire));
        out.put("dedup_ratio_after_first", round((double) logicalAfter / wireAfter));
        out.put("target_dedup_ratio_after_first", 10);
        Map<String, Object> tp = new LinkedHashMap<>();
        tp.put("blob_bytes", 1L << 30);
        tp.put("push_seconds", round(pushNanos / 1e9));
        tp.put("push_mib_per_s", round(gib / (pushNanos / 1e9)));
        tp.put("push_wire_bytes", lw[1]);
        tp.put("cat_loopback_seconds", round(catNanos / 1e9));
        tp.put("cat_loopback_mib_per_s", round(gib / (catNanos / 1e9)));
        tp.put("ratio_push_vs_cat", round((double) catNanos / pushNanos));
        tp.put("target_ratio", 0.5);
        tp.put("note", "push = chunking + per-chunk sha256 on the sender, HTTP over veth, per-chunk verify + whole-blob sha256 + fsync + rename on the receiver");
        out.put("fresh_blob_push", tp);
        out.put("cpus", Runtime.getRuntime().availableProcessors());
        Files.createDirectories(outJson.getParent());
        Files.write(outJson, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(out));
        System.out.println(new String(Files.readAllBytes(outJson), StandardCharsets.UTF_8));
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /** Time for {@code cat file > /dev/tcp/127.0.0.1/port} into a reader that discards. */
    private static long catOverLoopback(Path file, Duration t) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                    byte[] buf = new byte[1 << 20];
                    long total = 0;
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        total += n;
                    }
                    return total;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long t0 = System.nanoTime();
            Processes.check(t, "bash", "-c", "cat '" + file + "' > /dev/tcp/127.0.0.1/" + server.getLocalPort());
            long total = received.get();
            long nanos = System.nanoTime() - t0;
            if (total != Files.size(file)) {
                throw new IllegalStateException("cat delivered " + total + " bytes");
            }
            return nanos;
        }
    }

    private static void setKeys(Path socket, Random rnd, int from, int to) throws Exception {
        int[] keys = new int[to - from];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = from + i;
        }
        setKeys(socket, rnd, keys);
    }

    /** SET key:i <random VALUE bytes> over RESP on redis' unix socket, in pipelined batches. */
    private static void setKeys(Path socket, Random rnd, int[] keys) throws Exception {
        try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.connect(java.net.UnixDomainSocketAddress.of(socket));
            OutputStream out = new BufferedOutputStream(java.nio.channels.Channels.newOutputStream(ch), 1 << 20);
            InputStream in = new java.io.BufferedInputStream(java.nio.channels.Channels.newInputStream(ch));
            byte[] value = new byte[VALUE];
            int batch = 200;
            for (int b = 0; b < keys.length; b += batch) {
                int end = Math.min(keys.length, b + batch);
                for (int i = b; i < end; i++) {
                    rnd.nextBytes(value);
                    byte[] name = ("key:" + keys[i]).getBytes(StandardCharsets.US_ASCII);
                    out.write(("*3\r\n$3\r\nSET\r\n$" + name.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(name);
                    out.write(("\r\n$" + VALUE + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(value);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.flush();
                int ok = 0;
                int c;
                while (ok < end - b && (c = in.read()) >= 0) {
                    if (c == '\n') {
                        ok++;
                    }
                }
                if (ok != end - b) {
                    throw new IllegalStateException("redis did not acknowledge all SETs");
                }
            }
        }
    }
}
