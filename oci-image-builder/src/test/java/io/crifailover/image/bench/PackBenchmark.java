package io.crifailover.image.bench;

import io.crifailover.image.CheckpointImage;
import io.crifailover.image.CheckpointImageBuilder;
import io.crifailover.image.CheckpointMetadata;
import io.crifailover.image.LayerCompression;
import io.crifailover.oci.SecureFiles;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Benchmark driver for bench/image-builder.sh: packs one archive {@code reps} times in this JVM and
 * prints one JSON object with the wall times, the CPU time of this process per pack (all threads,
 * user + system), the peak heap in use and the layer size.
 * Args: ARCHIVE OUTDIR none|gzip1|gzip6|stream REPS [TREE]; with TREE, each repetition first times
 * {@code tar -cf} of TREE (and {@code tar -cf} + {@code sync}, and {@code tar -cf - | sha256sum}) so all are
 * measured alternately under the same disk and CPU conditions; tar's CPU time comes from {@code /usr/bin/time}.
 * Mode {@code stream} is the shim's path: one validating, hashing read of the archive, whose file then becomes
 * the layer (each repetition packs a fresh hard link of ARCHIVE, made outside the timing).
 */
public final class PackBenchmark {

    private PackBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path archive = Path.of(args[0]);
        Path outDir = Path.of(args[1]);
        String mode = args[2];
        int reps = Integer.parseInt(args[3]);
        CheckpointImageBuilder builder = switch (mode) {
            case "none", "stream" -> CheckpointImageBuilder.defaults();
            case "gzip1" ->
                CheckpointImageBuilder.defaults()
                        .withCompression(LayerCompression.GZIP)
                        .withGzipLevel(1);
            case "gzip6" ->
                CheckpointImageBuilder.defaults()
                        .withCompression(LayerCompression.GZIP)
                        .withGzipLevel(6);
            default -> throw new IllegalArgumentException("mode " + mode);
        };
        CheckpointMetadata meta = CheckpointMetadata.builder()
                .sourceNode("bench")
                .sequence(1)
                .checkpointTime(Instant.EPOCH)
                .build();
        Path tree = args.length > 4 ? Path.of(args[4]) : null;
        List<Double> millis = new ArrayList<>();
        List<Double> tarMillis = new ArrayList<>();
        List<Double> tarSyncMillis = new ArrayList<>();
        List<Double> cpuMillis = new ArrayList<>();
        List<Double> tarCpuMillis = new ArrayList<>();
        List<Double> tarShaMillis = new ArrayList<>();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long layerBytes = 0;
        String digest = null;
        System.gc();
        resetPeaks();
        for (int i = 0; i < reps; i++) {
            if (tree != null) {
                Path tar = outDir.resolve("tar-" + i + ".tar");
                Path times = outDir.resolve("tar-" + i + ".time");
                long t0 = System.nanoTime();
                run(
                        "/usr/bin/time",
                        "-f",
                        "%U %S",
                        "-o",
                        times.toString(),
                        "tar",
                        "-cf",
                        tar.toString(),
                        "-C",
                        tree.toString(),
                        ".");
                long t1 = System.nanoTime();
                run("sync", tar.toString());
                long t2 = System.nanoTime();
                tarMillis.add((t1 - t0) / 1e6);
                tarSyncMillis.add((t2 - t0) / 1e6);
                String[] userSys = java.nio.file.Files.readString(times).trim().split("\\s+");
                tarCpuMillis.add((Double.parseDouble(userSys[0]) + Double.parseDouble(userSys[1])) * 1000);
                java.nio.file.Files.delete(tar);
                java.nio.file.Files.delete(times);
                long t3 = System.nanoTime();
                run("sh", "-c", "tar -cf - -C '" + tree + "' . | sha256sum >/dev/null");
                tarShaMillis.add((System.nanoTime() - t3) / 1e6);
            }
            Path out = outDir.resolve("layout-" + mode + "-" + i);
            Path input = archive;
            if (mode.equals("stream")) {
                input = outDir.resolve("archive-" + i + ".tar");
                java.nio.file.Files.deleteIfExists(input);
                java.nio.file.Files.createLink(input, archive);
            }
            long cpuStart = os.getProcessCpuTime();
            long start = System.nanoTime();
            CheckpointImage image = mode.equals("stream")
                    ? builder.buildLayout(builder.scan(input), meta, out)
                    : builder.buildLayout(input, meta, out);
            millis.add((System.nanoTime() - start) / 1e6);
            cpuMillis.add((os.getProcessCpuTime() - cpuStart) / 1e6);
            layerBytes = image.layerSize();
            if (digest != null && !digest.equals(image.manifestDigest())) {
                throw new IllegalStateException("non-deterministic manifest digest");
            }
            digest = image.manifestDigest();
            SecureFiles.deleteRecursively(out);
            java.nio.file.Files.deleteIfExists(outDir.resolve("archive-" + i + ".tar"));
        }
        long peak = peakHeapUsed();
        System.out.printf(
                Locale.ROOT,
                "{\"mode\":\"%s\",\"ms\":[%s],\"cpu_ms\":[%s],\"tar_ms\":[%s],\"tar_cpu_ms\":[%s],\"tar_sync_ms\":[%s],\"tar_sha256_ms\":[%s],"
                        + "\"peak_heap_used_bytes\":%d,\"max_heap_bytes\":%d,\"layer_bytes\":%d,\"manifest_digest\":\"%s\"}%n",
                mode,
                join(millis),
                join(cpuMillis),
                join(tarMillis),
                join(tarCpuMillis),
                join(tarSyncMillis),
                join(tarShaMillis),
                peak,
                Runtime.getRuntime().maxMemory(),
                layerBytes,
                digest);
    }

    private static String join(List<Double> values) {
        StringBuilder sb = new StringBuilder();
        for (double v : values) {
            sb.append(sb.length() == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.1f", v));
        }
        return sb.toString();
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).inheritIO().start();
        if (!p.waitFor(300, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " failed");
        }
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
    }

    private static long peakHeapUsed() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }
}
