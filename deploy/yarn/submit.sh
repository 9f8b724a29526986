#!/usr/bin/env bash
# Submit one ddep stage (or `run`) to YARN in cluster mode, one executor per GPU.
#   deploy/yarn/submit.sh pretrain-decoder --config my.conf --run-dir s3a://bucket/runs/exp1 --executors 8
# The config file travels with the job (--files) and is read from the driver container's working
# directory. GPUs: YARN 3.1+ with the GPU resource plugin (yarn.io/gpu); the discovery script is
# shipped the same way. s3a credentials come from the cluster (core-site.xml, instance roles or a
# Hadoop credential provider), never from this command line.
set -euo pipefail
source "$(cd "$(dirname "$0")/.." && pwd)/common.sh"

ddep_usage_extra() {
  cat <<X
  --queue Q            YARN queue (default: default)
  --jar PATH           the cluster jar (default: target/ddep-*-cluster.jar; build with mvn -Pgpu -DskipTests package)
X
}
YARN_QUEUE=default; JAR=""
ddep_parse_extra() {
  case "$1" in
    --queue) YARN_QUEUE="$2"; DDEP_SHIFT=2 ;;
    --jar) JAR="$2"; DDEP_SHIFT=2 ;;
    *) return 1 ;;
  esac
}
ddep_parse "$@"
if [ -z "$JAR" ]; then
  JAR="$(ls "$DDEP_ROOT"/target/ddep-*-cluster.jar 2>/dev/null | head -1 || true)"
fi
[ -n "$JAR" ] && [ -f "$JAR" ] || { echo "submit.sh: no cluster jar (--jar); build it with mvn -B -Pgpu -DskipTests package" >&2; exit 2; }
ddep_common_conf

files="$DDEP_CONFIG"
if [ "$DDEP_GPU" = 1 ]; then
  files="$files,$DDEP_ROOT/deploy/gpu/getGpusResources.sh"
  # Spark maps spark.executor.resource.gpu.amount to YARN's yarn.io/gpu itself.
  DDEP_CONF+=("spark.executor.resource.gpu.discoveryScript=./getGpusResources.sh")
fi
# A second attempt of a failed driver resumes the stage from its last checkpoint.
DDEP_CONF+=("spark.yarn.maxAppAttempts=2")

args=(--master yarn --deploy-mode cluster --name "ddep-$DDEP_STAGE" --queue "$YARN_QUEUE"
      --class org.ddep.cli.Main --driver-memory "$DDEP_DRIVER_MEMORY" --executor-memory "$DDEP_EXECUTOR_MEMORY"
      --files "$files")
for c in "${DDEP_CONF[@]}"; do args+=(--conf "$c"); done
ddep_exec "${SPARK_HOME:+$SPARK_HOME/bin/}spark-submit" "${args[@]}" "$JAR" "$DDEP_STAGE" \
  --config "$(basename "$DDEP_CONFIG")" --run-dir "$DDEP_RUN_DIR" "${DDEP_EXTRA[@]}"
