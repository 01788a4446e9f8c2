#!/usr/bin/env bash
# Benchmark of oci-image-builder: time and peak heap to pack a checkpoint archive into an OCI
# checkpoint image, compared with `tar -cf` of the same files, and with `tar -cf - | sha256sum` (the
# floor of a pack that hashes what it reads), in the same run.
# Usage: bench/image-builder.sh            -> bench/results/image-builder.json
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/bench/results/image-builder.json"
WORK=$(mktemp -d /tmp/oib-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
FIX="$ROOT/oci-image-builder/src/test/resources/fixtures"

cd "$ROOT"
mvn -o -B -q -pl oci-image-builder test-compile
mvn -o -B -q -pl oci-image-builder dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$WORK/cp.txt" >/dev/null
CP="$ROOT/oci-image-builder/target/classes:$ROOT/oci-image-builder/target/test-classes:$(cat "$WORK/cp.txt")"
JAVA=(java -XX:+UseSerialGC -cp "$CP")
# The driver prints one JSON line last (logging may precede it).
pack() { "${JAVA[@]}" "$@" | tail -n 1; }

now_ms() { date +%s%3N; }

# make_files DIR RANDOM_MIB TEXT_MIB: a checkpoint-shaped tree; pages are half incompressible
# (random) and half compressible (base64 text), roughly like a process heap.
make_files() {
  local dir=$1 rnd=$2 txt=$3
  mkdir -p "$dir/checkpoint"
  cp "$FIX/inventory.img" "$dir/checkpoint/inventory.img"
  cp "$FIX/stats-dump" "$dir/stats-dump"
  head -c "$((rnd * 1024 * 1024))" /dev/urandom > "$dir/checkpoint/pages-1.img"
  head -c "$((txt * 1024 * 1024 / 4 * 3))" /dev/urandom | base64 -w 0 > "$dir/checkpoint/pages-2.img"
  printf '{"id":"bench","name":"counter","createdTime":"2026-01-01T00:00:00Z"}' > "$dir/config.dump"
  printf '{"annotations":{"io.kubernetes.cri.container-name":"counter","io.kubernetes.cri.sandbox-name":"p","io.kubernetes.cri.sandbox-namespace":"default"}}' > "$dir/spec.dump"
  printf '{}' > "$dir/status.dump"
}

make_files "$WORK/big" 128 128
make_files "$WORK/small" 32 32

# The input archive: tar -cf of the tree (the same command the driver times below).
tar -cf "$WORK/big.tar" -C "$WORK/big" .
tar -cf "$WORK/small.tar" -C "$WORK/small" .
ARCHIVE_BYTES=$(stat -c %s "$WORK/big.tar")
SMALL_BYTES=$(stat -c %s "$WORK/small.tar")

mkdir -p "$WORK/out"
# In-process (warm JVM, as the shim calls the library): 7 rounds of [tar -cf, tar -cf + sync, pack].
NONE=$(pack -Xmx256m io.crifailover.image.bench.PackBenchmark "$WORK/big.tar" "$WORK/out" none 7 "$WORK/big")
# The shim's path: one validating, hashing read; the archive file becomes the layer.
STREAM=$(pack -Xmx256m io.crifailover.image.bench.PackBenchmark "$WORK/big.tar" "$WORK/out" stream 7 "$WORK/big")
GZIP1=$(pack -Xmx256m io.crifailover.image.bench.PackBenchmark "$WORK/big.tar" "$WORK/out" gzip1 1)
GZIP6=$(pack -Xmx256m io.crifailover.image.bench.PackBenchmark "$WORK/big.tar" "$WORK/out" gzip6 1)
# Cold process (CLI-like): one pack in a fresh JVM, wall time including JVM start.
t0=$(now_ms); "${JAVA[@]}" -Xmx256m io.crifailover.image.bench.PackBenchmark "$WORK/big.tar" "$WORK/out" none 1 >/dev/null; t1=$(now_ms)
COLD_MS=$((t1 - t0))
# Peak heap with a deliberately small heap: same limit, 4x different archive sizes.
HEAP_SMALL=$(pack -Xmx24m io.crifailover.image.bench.PackBenchmark "$WORK/small.tar" "$WORK/out" none 1)
HEAP_BIG=$(pack -Xmx24m io.crifailover.image.bench.PackBenchmark "$WORK/big.tar" "$WORK/out" none 1)

mkdir -p "$(dirname "$OUT")"
python3 - "$OUT" <<PY
import json, statistics, sys, os
none = json.loads('''$NONE'''); stream = json.loads('''$STREAM'''); g1 = json.loads('''$GZIP1'''); g6 = json.loads('''$GZIP6''')
hs = json.loads('''$HEAP_SMALL'''); hb = json.loads('''$HEAP_BIG''')
# round 1 warms the JVM and the page cache; the medians use rounds 2..7
tar_med = statistics.median(none["tar_ms"][1:])
tar_sync_med = statistics.median(none["tar_sync_ms"][1:])
ours_med = statistics.median(none["ms"][1:])
tar_cpu_med = statistics.median(none["tar_cpu_ms"][1:])
ours_cpu_med = statistics.median(none["cpu_ms"][1:])
# per round: ours / tar of the same round (same disk and CPU conditions)
round_ratios = [o / t for o, t in zip(none["ms"][1:], none["tar_ms"][1:])]
round_ratios_sync = [o / t for o, t in zip(none["ms"][1:], none["tar_sync_ms"][1:])]
stream_med = statistics.median(stream["ms"][1:])
stream_cpu_med = statistics.median(stream["cpu_ms"][1:])
sha_med = statistics.median(stream["tar_sha256_ms"][1:])
none_sha_med = statistics.median(none["tar_sha256_ms"][1:])
stream_round_ratios = [o / t for o, t in zip(stream["ms"][1:], stream["tar_sha256_ms"][1:])]
load = os.getloadavg()
archive = $ARCHIVE_BYTES
res = {
  "benchmark": "oci-image-builder pack",
  "machine": {"cpus": os.cpu_count(), "java": "$(java -version 2>&1 | head -1 | tr -d '"')", "loadavg_1_5_15_at_end": [round(x, 2) for x in load]},
  "archive_bytes": archive,
  "tar_cf_ms": none["tar_ms"],
  "tar_cf_median_ms": tar_med,
  "tar_cf_plus_sync_ms": none["tar_sync_ms"],
  "tar_cf_plus_sync_median_ms": tar_sync_med,
  "pack_uncompressed_ms": none["ms"],
  "pack_uncompressed_median_warm_ms": ours_med,
  "pack_uncompressed_cpu_ms": none["cpu_ms"],
  "pack_uncompressed_cpu_median_ms": ours_cpu_med,
  "tar_cf_cpu_ms": none["tar_cpu_ms"],
  "tar_cf_cpu_median_ms": tar_cpu_med,
  "pack_stream_ms": stream["ms"],
  "pack_stream_median_warm_ms": stream_med,
  "pack_stream_cpu_ms": stream["cpu_ms"],
  "pack_stream_cpu_median_ms": stream_cpu_med,
  "tar_sha256_ms": stream["tar_sha256_ms"],
  "tar_sha256_median_ms": sha_med,
  "pack_ratio_vs_tar_sha256": round(stream_med / sha_med, 3),
  "pack_ratio_vs_tar_sha256_per_round_median": round(statistics.median(stream_round_ratios), 3),
  "pack_ratio_vs_tar_sha256_target": "<= 1.2 (issue 18)",
  "pack_rewrite_ratio_vs_tar_sha256": round(ours_med / none_sha_med, 3),
  "pack_stream_note": "pack_stream is what the shim does per checkpoint: one read of the runtime's archive that validates it, collects its metadata and hashes it (sha256), after which the archive file itself is moved in as the layer (no second write, no re-tar); the floor is tar -cf - | sha256sum of the same tree, timed alternately in the same rounds. The archive here is already on disk, so the layer's fsync finds nothing to write; in the shim the runtime's fresh archive is written back at that fsync (disk time, not CPU). pack_uncompressed (the rewrite path) is still used for archives that cannot be a layer as they are (links, gzip, compressed layers).",
  "pack_ratio": round(ours_med / tar_med, 3),
  "pack_ratio_target": "<= 1.5, defined against plain tar -cf (no fsync); ours fsyncs the layer, so pack_ratio_vs_tar_plus_sync is the like-for-like durability comparison",
  "pack_ratio_vs_tar_plus_sync": round(ours_med / tar_sync_med, 3),
  "pack_ratio_per_round_median": round(statistics.median(round_ratios), 3),
  "pack_ratio_vs_tar_plus_sync_per_round_median": round(statistics.median(round_ratios_sync), 3),
  "cpu_ratio": round(ours_cpu_med / tar_cpu_med, 3),
  "pack_uncompressed_cold_process_ms": $COLD_MS,
  "pack_ratio_cold_process": round($COLD_MS / tar_med, 3),
  "pack_mib_per_s": round(archive / 1048576 / (ours_med / 1000), 1),
  "gzip_level1": {"ms": g1["ms"][0], "layer_bytes": g1["layer_bytes"], "size_ratio": round(g1["layer_bytes"] / none["layer_bytes"], 3), "time_ratio_vs_uncompressed": round(g1["ms"][0] / ours_med, 2)},
  "gzip_level6": {"ms": g6["ms"][0], "layer_bytes": g6["layer_bytes"], "size_ratio": round(g6["layer_bytes"] / none["layer_bytes"], 3), "time_ratio_vs_uncompressed": round(g6["ms"][0] / ours_med, 2)},
  "uncompressed_layer_bytes": none["layer_bytes"],
  "peak_heap": {
    "xmx_bytes": hs["max_heap_bytes"],
    "small_archive_bytes": $SMALL_BYTES, "small_peak_heap_used_bytes": hs["peak_heap_used_bytes"],
    "big_archive_bytes": archive, "big_peak_heap_used_bytes": hb["peak_heap_used_bytes"],
    "big_over_small_heap_ratio": round(hb["peak_heap_used_bytes"] / hs["peak_heap_used_bytes"], 3),
    "note": "both packs succeed with -Xmx24m; peak = sum of heap pool peaks (includes garbage not yet collected)"
  },
  "deterministic_digest_over_reps": none["manifest_digest"],
  "default_compression": "none"
}
json.dump(res, open(sys.argv[1], "w"), indent=2)
print(json.dumps(res, indent=2))
PY
