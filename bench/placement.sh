#!/bin/sh
# bench/placement: BFT-SMaRt placement state machine vs etcd (Raft), same machine, same run, loopback.
# Writes bench/results/placement.json. Needs etcd (Debian etcd-server) on PATH. Takes about 2-3 minutes.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mvn -o -B -q -pl placement test-compile
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
mvn -o -B -q -pl placement dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file"
cp="$root/placement/target/test-classes:$root/placement/target/classes:$(cat "$cp_file")"
mkdir -p bench/results
exec java -Xmx256m -cp "$cp" io.crifailover.placement.PlacementBenchmark bench/results/placement.json
