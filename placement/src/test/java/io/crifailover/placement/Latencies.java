package io.crifailover.placement;

import java.util.Arrays;

/** Latency samples of a repeated call, in milliseconds. */
final class Latencies {
    private Latencies() {}

    record Summary(double p50, double p99, double max, double opsPerSecond) {}

    static Summary measure(int count, Runnable call) {
        double[] ms = new double[count];
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long t0 = System.nanoTime();
            call.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return summarize(ms, count / seconds);
    }

    static Summary summarize(double[] ms, double opsPerSecond) {
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        return new Summary(percentile(sorted, 50), percentile(sorted, 99), sorted[sorted.length - 1], opsPerSecond);
    }

    static double percentile(double[] sorted, double p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
