#!/bin/sh
# Proxy overhead of the shim: kubelet-like closed loop against containerd with 50 running pods,
# directly and through the shim (a separate JVM), alternating in one run.
# Writes bench/results/proxy-overhead.json. Takes about 2 minutes. Needs root (containerd).
# Options are passed through: --pods N --clients N --round-seconds N --rounds N --out FILE
#   --shim-nice N (run the shim process at this niceness) --in-process (shim inside the benchmark JVM)
set -eu
cd "$(dirname "$0")/.."
mvn -o -B -q -pl shim test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
cp="shim/target/test-classes:shim/target/classes:$(cat shim/target/bench-classpath.txt)"
exec java -XX:+UseSerialGC -cp "$cp" io.crifailover.shim.ProxyOverheadBenchmark \
    --out bench/results/proxy-overhead.json "$@"
