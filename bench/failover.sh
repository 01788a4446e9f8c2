#!/usr/bin/env bash
# Repeated failovers of protected TCP servers on the four-node bed -> bench/results/failover.json
# Usage: bench/failover.sh [RUNS] [PARTS]   (default 10 runs per series; PARTS from
#   counter,redis-1MiB,redis-100MiB,http-visits,cpu; as root, after bin/setup). A quick look: bench/failover.sh 3
# Console: one line per run; every log line goes to target/bench/failover.log.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -ntp install -DskipTests
mvn -B -q -ntp -pl testbed dependency:build-classpath -Dmdep.outputFile="$PWD/target/bench-classpath.txt"
mkdir -p target/bench
java -Dlogback.configurationFile=bench/logback-file.xml -Dcrif.log.file=target/bench/failover.log -cp "testbed/target/classes:$(cat target/bench-classpath.txt)" io.crifailover.testbed.FailoverBenchmark "${1:-10}" bench/results/failover.json "${2:-counter,redis-1MiB,redis-100MiB,http-visits,cpu}"
