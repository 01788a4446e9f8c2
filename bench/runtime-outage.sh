#!/bin/sh
# Reconnect after a runtime outage: containerd is SIGKILLed under a running shim (in this JVM),
# kept down 10 s and 60 s, then restarted; compares the first good answer through the shim with
# containerd's own first answer. Writes bench/results/runtime-outage.json. Takes about 2 minutes.
# Needs root (containerd). Options: --outages 10,60 --out FILE
set -eu
cd "$(dirname "$0")/.."
mvn -o -B -q -pl shim -am test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
cp="shim/target/test-classes:shim/target/classes:$(cat shim/target/bench-classpath.txt)"
exec java -XX:+UseSerialGC -Dlogback.configurationFile=bench/logback-quiet.xml -cp "$cp" \
    io.crifailover.shim.RuntimeOutageBenchmark --out bench/results/runtime-outage.json "$@"
