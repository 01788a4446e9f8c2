#!/bin/sh
# The shim's resident memory (VmRSS) while it relays messages just under and just over its 64 MiB
# limit, and after: a shim process in front of a raw gRPC server, no containerd needed.
# Writes bench/results/shim-memory.json. Takes about a minute.
# Options: --calls N --parallel N --idle-seconds N --out FILE
#   --shim-java-options 'OPTS' (JVM options of the shim; default: those of bin/cri-failover)
set -eu
cd "$(dirname "$0")/.."
mvn -o -B -q -pl shim test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
cp="shim/target/test-classes:shim/target/classes:$(cat shim/target/bench-classpath.txt)"
exec java -cp "$cp" io.crifailover.shim.HugeMessageMemoryBenchmark --out bench/results/shim-memory.json "$@"
