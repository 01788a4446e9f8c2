#!/usr/bin/env bash
# Replication benchmark for checkpoint-store -> bench/results/replication.json (one run, a few minutes).
# Needs root (network namespace, criu), redis-server, criu, tar, curl.
# Both store JVMs (and the cat they are compared with) run at nice -10 so that other work on a shared machine
# disturbs the comparison less.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
WORK="$(mktemp -d /tmp/crif-bench-replication.XXXXXX)"
chmod 700 "$WORK"
NS="crifbench$$"
VETH="crifb$$"
TARGET_PID=""
cleanup() {
  [ -n "$TARGET_PID" ] && kill -9 "$TARGET_PID" 2>/dev/null || true
  ip link del "$VETH" 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

mvn -o -B -q -pl checkpoint-store test-compile
mvn -o -B -q -pl checkpoint-store dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/cp.txt" >/dev/null
CP="$ROOT/checkpoint-store/target/classes:$ROOT/checkpoint-store/target/test-classes:$(cat "$WORK/cp.txt")"

ip netns add "$NS"
ip link add "$VETH" type veth peer name "${VETH}p"
ip link set "${VETH}p" netns "$NS"
ip addr add 10.213.88.1/30 dev "$VETH"; ip link set "$VETH" up
ip -n "$NS" addr add 10.213.88.2/30 dev "${VETH}p"; ip -n "$NS" link set "${VETH}p" up; ip -n "$NS" link set lo up

head -c 32 /dev/urandom | base64 > "$WORK/cluster.key"; chmod 600 "$WORK/cluster.key"
ip netns exec "$NS" nice -n -10 java -cp "$CP" io.crifailover.store.StoreMain serve --root "$WORK/target" \
  --listen 10.213.88.2:5000 --cluster-key "$WORK/cluster.key" --gc-interval PT1H >"$WORK/target.log" 2>&1 &
TARGET_PID=$!
for _ in $(seq 1 100); do
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 http://10.213.88.2:5000/v2/ || true)"
  [ "$code" = "401" ] || [ "$code" = "200" ] && break
  sleep 0.2
done

nice -n -10 java -cp "$CP" io.crifailover.store.ReplicationBench "$WORK" http://10.213.88.2:5000 "$WORK/cluster.key" \
  "$ROOT/bench/results/replication.json" "$TARGET_PID"
