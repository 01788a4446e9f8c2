#!/usr/bin/env bash
# Failovers under faults drawn at random (issue 14's chaos series) -> bench/results/chaos.json
# Usage: bench/chaos.sh [SINGLE_RUNS] [DOUBLE_RUNS]   (defaults 30 and 6; as root, after bin/setup)
#   SINGLE_RUNS on a four-node bed, each drawn from: follower cut off, leader cut off, the last failed node
#   again, a node killed (SIGKILL of its shim and containerd), a lying member; then DOUBLE_RUNS on a
#   seven-node bed (f=2) cutting off two nodes at once. About 30 s per run. CHAOS_FAULTS=lying_member,node_killed
#   draws only those faults on the four-node bed. CHAOS_JAVA_OPTS=-Dcrif.bed.keep=true keeps every bed's directory
#   (shim, replica and containerd logs) for a post-mortem.
# Console: one line per run; every log line goes to target/bench/chaos.log.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -ntp install -DskipTests
mvn -B -q -ntp -pl testbed dependency:build-classpath -Dmdep.outputFile="$PWD/target/bench-classpath.txt"
mkdir -p target/bench
java ${CHAOS_JAVA_OPTS:-} -Dcrif.chaos.faults="${CHAOS_FAULTS:-}" -Dlogback.configurationFile=bench/logback-file.xml -Dcrif.log.file=target/bench/chaos.log -cp "testbed/target/classes:$(cat target/bench-classpath.txt)" io.crifailover.testbed.ChaosBenchmark "${1:-30}" "${2:-6}" bench/results/chaos.json
