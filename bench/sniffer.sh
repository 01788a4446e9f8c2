#!/bin/bash
# Cost of the criu stand-in, measured side by side in one run with real runc + CRIU:
# a busybox counter container is checkpointed and restored (runc checkpoint / runc restore -d)
#   plain   - runc finds the real /usr/sbin/criu
#   off     - stand-in first on PATH, sniffing off (launcher execs CRIU)
#   on      - stand-in, sniffing on (JVM sniffer with the AppCDS archive from install.sh)
#   on_nocds- stand-in, sniffing on, without the CDS archive
# Modes are interleaved, rotating the order each round. Output: bench/results/sniffer.json
# (medians in ms; added_ms_* are medians of a mode minus plain).
#   ROUNDS=7 bench/sniffer.sh        SKIP_BUILD=1 to reuse criu-sniffer/target
set -euo pipefail

repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
rounds=${ROUNDS:-7}
work=$repo/bench/work/sniffer
out=$repo/bench/results/sniffer.json
modes=(plain off on on_nocds)

cleanup() {
    if [ -d "$work/runc-root" ]; then
        for id in $(runc --root "$work/runc-root" list -q 2>/dev/null); do
            runc --root "$work/runc-root" kill "$id" KILL 2>/dev/null || true
            runc --root "$work/runc-root" delete --force "$id" 2>/dev/null || true
        done
    fi
    rm -rf "$work"
}
trap cleanup EXIT
cleanup
mkdir -p "$work" "$repo/bench/results"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    (cd "$repo" && mvn -o -B -q -pl criu-sniffer package -DskipTests)
fi
"$repo/criu-sniffer/src/main/dist/install.sh" --from "$repo/criu-sniffer/target" --prefix "$work/inst" \
    --no-link --conf "$work/sniffer.conf" >/dev/null
cat >> "$work/sniffer.conf" <<CONF
SNIFF_FLAG=$work/sniff.enabled
CAPTURE_DIR=$work/captures
CONF

bundle=$work/bundle
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/data"
cp /bin/busybox "$bundle/rootfs/bin/"
for a in sh sleep cat echo; do ln -s busybox "$bundle/rootfs/bin/$a"; done
(cd "$bundle" && runc spec)
jq '.process.terminal=false | .root.readonly=false
    | .process.args=["/bin/sh","-c","i=0; while true; do i=$((i+1)); echo $i > /data/count; sleep 0.1; done"]' \
    "$bundle/config.json" > "$bundle/config.json.tmp" && mv "$bundle/config.json.tmp" "$bundle/config.json"
mkdir -p "$work/runc-root"

now_ns() { date +%s%N; }

one_round() { # mode round -> "ckpt_ms restore_ms"
    local mode=$1 round=$2 id="bench-$1-$2" path=$PATH
    local -a env=(CRI_FAILOVER_SNIFFER_CONF="$work/sniffer.conf")
    case $mode in
        plain) ;;
        off) path=$work/inst/bin:$PATH; rm -f "$work/sniff.enabled" ;;
        on) path=$work/inst/bin:$PATH; touch "$work/sniff.enabled" ;;
        on_nocds) path=$work/inst/bin:$PATH; touch "$work/sniff.enabled"; env+=(CDS_ARCHIVE=/nonexistent) ;;
    esac
    local r=(runc --root "$work/runc-root")
    rm -f "$bundle/rootfs/data/count"
    "${r[@]}" run --detach --bundle "$bundle" "$id" </dev/null >/dev/null 2>&1
    for _ in $(seq 100); do [ -s "$bundle/rootfs/data/count" ] && break; sleep 0.05; done
    local img=$work/img-$id t0 t1 t2
    t0=$(now_ns)
    env "${env[@]}" PATH="$path" "${r[@]}" checkpoint --image-path "$img" --work-path "$img.work" "$id"
    t1=$(now_ns)
    env "${env[@]}" PATH="$path" "${r[@]}" restore --detach --image-path "$img" --work-path "$img.work" \
        --bundle "$bundle" "$id" </dev/null >/dev/null 2>&1
    t2=$(now_ns)
    "${r[@]}" kill "$id" KILL
    for _ in $(seq 100); do "${r[@]}" state "$id" | grep -q stopped && break; sleep 0.05; done
    "${r[@]}" delete --force "$id"
    rm -rf "$img" "$img.work"
    echo "$(( (t1 - t0) / 1000000 )) $(( (t2 - t1) / 1000000 ))"
}

declare -A ckpt restore
for round in $(seq "$rounds"); do
    for k in $(seq 0 $(( ${#modes[@]} - 1 ))); do
        mode=${modes[$(( (k + round) % ${#modes[@]} ))]}
        read -r c s < <(one_round "$mode" "$round")
        ckpt[$mode]="${ckpt[$mode]:-} $c"
        restore[$mode]="${restore[$mode]:-} $s"
        echo "round $round $mode: checkpoint ${c} ms, restore ${s} ms" >&2
    done
done
rm -f "$work/sniff.enabled"

median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
list() { tr ' ' '\n' <<<"$1" | grep -v '^$' | paste -sd, -; }

declare -A mc mr
for m in "${modes[@]}"; do mc[$m]=$(median "${ckpt[$m]}"); mr[$m]=$(median "${restore[$m]}"); done
jq -n --argjson rounds "$rounds" \
    --argjson pc "${mc[plain]}" --argjson pr "${mr[plain]}" \
    --argjson fc "${mc[off]}" --argjson fr "${mr[off]}" \
    --argjson oc "${mc[on]}" --argjson onr "${mr[on]}" \
    --argjson nc "${mc[on_nocds]}" --argjson nr "${mr[on_nocds]}" \
    --argjson rpc "[$(list "${ckpt[plain]}")]" --argjson rpr "[$(list "${restore[plain]}")]" \
    --argjson rfc "[$(list "${ckpt[off]}")]" --argjson rfr "[$(list "${restore[off]}")]" \
    --argjson roc "[$(list "${ckpt[on]}")]" --argjson ror "[$(list "${restore[on]}")]" \
    --argjson rnc "[$(list "${ckpt[on_nocds]}")]" --argjson rnr "[$(list "${restore[on_nocds]}")]" \
    --arg criu "$(criu --version | head -1)" --arg runc "$(runc --version | head -1)" --arg java "$(java -version 2>&1 | head -1)" \
    '{benchmark: "criu-sniffer", rounds: $rounds, criu: $criu, runc: $runc, java: $java,
      note: "wall time of runc checkpoint / runc restore -d of a busybox counter; medians in ms; modes interleaved",
      added_ms_checkpoint: ($oc - $pc), added_ms_restore: ($onr - $pr), added_ms_when_off: ($fc - $pc),
      added_ms_restore_when_off: ($fr - $pr),
      added_ms_checkpoint_without_cds: ($nc - $pc), added_ms_restore_without_cds: ($nr - $pr),
      ratio_checkpoint_on_vs_plain: (($oc / $pc) * 100 | round / 100),
      ratio_checkpoint_off_vs_plain: (($fc / $pc) * 100 | round / 100),
      median_ms: {plain: {checkpoint: $pc, restore: $pr}, off: {checkpoint: $fc, restore: $fr},
                  on: {checkpoint: $oc, restore: $onr}, on_nocds: {checkpoint: $nc, restore: $nr}},
      samples_ms: {plain: {checkpoint: $rpc, restore: $rpr}, off: {checkpoint: $rfc, restore: $rfr},
                   on: {checkpoint: $roc, restore: $ror}, on_nocds: {checkpoint: $rnc, restore: $rnr}}}' > "$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
