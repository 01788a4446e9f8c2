#!/usr/bin/env bash
# Repeated failovers of the protected counter on the four-node bed -> bench/results/failover.json
# Usage: bench/failover.sh [RUNS] [PARTS]   (default 10 runs per series; PARTS from counter,redis-1MiB,redis-100MiB,cpu; as root, after bin/setup)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -ntp install -DskipTests
mvn -B -q -ntp -pl testbed dependency:build-classpath -Dmdep.outputFile="$PWD/target/bench-classpath.txt"
java -Dlogback.configurationFile=bench/logback-quiet.xml -cp "testbed/target/classes:$(cat target/bench-classpath.txt)" io.crifailover.testbed.FailoverBenchmark "${1:-10}" bench/results/failover.json "${2:-counter,redis-1MiB,redis-100MiB,cpu}"
