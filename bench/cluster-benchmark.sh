#!/usr/bin/env bash
# Decoder pretraining on a real Spark standalone cluster on this machine: one worker with all the
# cores, then one one-core worker per core; examples/s and where an averaging round's time goes.
# Usage: bench/cluster-benchmark.sh [CORES=2] [EPOCHS=3] [BATCH_PER_WORKER=16] [AVERAGING_FREQUENCY=4]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
mvn -q -B -DskipTests package
cp="target/test-classes:target/classes:$(cat target/classpath.txt)"
java -Xmx3g "@$here/conf/jvm-options" -Dddep.sources="$here" -Dddep.build="$here/target" \
  -Dddep.cluster-jar="$(ls "$here"/target/ddep-*-cluster.jar)" -cp "$cp" org.ddep.bench.ClusterBenchmark \
  "${1:-2}" "${2:-3}" "${3:-16}" "${4:-4}" 2>target/cluster-benchmark.log | grep "^{"
