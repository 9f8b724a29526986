#!/usr/bin/env bash
# Submit one ddep stage (or `run`) to Kubernetes in cluster mode, one executor pod per GPU.
#   deploy/k8s/submit.sh pretrain-decoder --config my.conf --run-dir s3a://bucket/runs/exp1 \
#     --master k8s://https://API:6443 --image registry/ddep:0.1.0 --executors 8
# Before the first run, once per namespace:
#   kubectl create serviceaccount ddep-spark
#   kubectl create rolebinding ddep-spark --clusterrole=edit --serviceaccount=NS:ddep-spark
#     (the driver creates and deletes its executor pods, services and config maps)
#   kubectl create secret generic ddep-s3 --from-literal=access-key=... --from-literal=secret-key=...
# The config file reaches the driver in Spark's own config map (below): no kubectl needed to submit.
# s3a credentials reach driver and executors as environment variables from the secret, never on
# this command line; s3a reads them with its environment-variable credentials provider.
set -euo pipefail
source "$(cd "$(dirname "$0")/.." && pwd)/common.sh"

ddep_usage_extra() {
  cat <<X
  --master URL         k8s://https://API-SERVER:PORT (required)
  --image IMAGE        the deploy/docker image (required)
  --namespace NS       (default: default)
  --service-account SA (default: ddep-spark)
  --s3-secret NAME     secret with keys access-key and secret-key (default: ddep-s3)
X
}
K8S_MASTER=""; IMAGE=""; NAMESPACE=default; SERVICE_ACCOUNT=ddep-spark; S3_SECRET=ddep-s3
ddep_parse_extra() {
  case "$1" in
    --master) K8S_MASTER="$2"; DDEP_SHIFT=2 ;;
    --image) IMAGE="$2"; DDEP_SHIFT=2 ;;
    --namespace) NAMESPACE="$2"; DDEP_SHIFT=2 ;;
    --service-account) SERVICE_ACCOUNT="$2"; DDEP_SHIFT=2 ;;
    --s3-secret) S3_SECRET="$2"; DDEP_SHIFT=2 ;;
    *) return 1 ;;
  esac
}
ddep_parse "$@"
[[ "$K8S_MASTER" == k8s://* ]] || { echo "submit.sh: --master k8s://https://HOST:PORT is required" >&2; exit 2; }
[ -n "$IMAGE" ] || { echo "submit.sh: --image IMAGE (built from deploy/docker/Dockerfile) is required" >&2; exit 2; }
ddep_common_conf

# Paths inside the image (deploy/docker/Dockerfile).
JAR=local:///opt/ddep/ddep-cluster.jar
here="$DDEP_ROOT/deploy/k8s"
DDEP_CONF+=(
  "spark.kubernetes.namespace=$NAMESPACE"
  "spark.kubernetes.container.image=$IMAGE"
  "spark.kubernetes.authenticate.driver.serviceAccountName=$SERVICE_ACCOUNT"
  "spark.kubernetes.driver.podTemplateFile=$here/driver-pod.yaml"
  "spark.kubernetes.executor.podTemplateFile=$here/executor-pod.yaml"
  "spark.kubernetes.driver.secretKeyRef.AWS_ACCESS_KEY_ID=$S3_SECRET:access-key"
  "spark.kubernetes.driver.secretKeyRef.AWS_SECRET_ACCESS_KEY=$S3_SECRET:secret-key"
  "spark.kubernetes.executor.secretKeyRef.AWS_ACCESS_KEY_ID=$S3_SECRET:access-key"
  "spark.kubernetes.executor.secretKeyRef.AWS_SECRET_ACCESS_KEY=$S3_SECRET:secret-key"
  "spark.hadoop.fs.s3a.aws.credentials.provider=com.amazonaws.auth.EnvironmentVariableCredentialsProvider"
)
if [ "$DDEP_GPU" = 1 ]; then
  DDEP_CONF+=("spark.executor.resource.gpu.vendor=nvidia.com"
              "spark.executor.resource.gpu.discoveryScript=/opt/ddep/gpu/getGpusResources.sh")
fi

# The config file, through Spark's own config map: spark-submit copies the small text files of its
# configuration directory into the config map that it mounts at /opt/spark/conf in the driver pod,
# owned by that pod (deleted with it, one per submission). SPARK_CONF_DIR is a copy of the
# submitter's configuration directory with the config file added as ddep.conf (a name Spark does not
# skip: it leaves out spark*.conf, which it resolves into spark.properties instead).
spark_conf_dir="${SPARK_CONF_DIR:-}"
if [ -z "$spark_conf_dir" ]; then
  if [ -n "${SPARK_HOME:-}" ]; then
    spark_conf_dir="$SPARK_HOME/conf"
  elif command -v spark-submit >/dev/null; then
    spark_conf_dir="$(dirname "$(dirname "$(readlink -f "$(command -v spark-submit)")")")/conf"
  fi
fi
DRIVER_CONFIG=/opt/spark/conf/ddep.conf

args=(--master "$K8S_MASTER" --deploy-mode cluster --name "ddep-$DDEP_STAGE" --class org.ddep.cli.Main
      --driver-memory "$DDEP_DRIVER_MEMORY" --executor-memory "$DDEP_EXECUTOR_MEMORY")
for c in "${DDEP_CONF[@]}"; do args+=(--conf "$c"); done
submit=("${SPARK_HOME:+$SPARK_HOME/bin/}spark-submit" "${args[@]}" "$JAR" "$DDEP_STAGE"
        --config "$DRIVER_CONFIG" --run-dir "$DDEP_RUN_DIR" "${DDEP_EXTRA[@]}")
if [ "$DDEP_DRY_RUN" = 1 ]; then
  printf '# SPARK_CONF_DIR: a copy of %s with %q as ddep.conf\n' "${spark_conf_dir:-(none)}" "$DDEP_CONFIG"
  ddep_exec "${submit[@]}"
  exit 0
fi
staging="$(mktemp -d "${TMPDIR:-/tmp}/ddep-k8s-conf.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
if [ -n "$spark_conf_dir" ] && [ -d "$spark_conf_dir" ]; then
  cp -R "$spark_conf_dir"/. "$staging"/
fi
cp "$DDEP_CONFIG" "$staging/ddep.conf"
SPARK_CONF_DIR="$staging" "${submit[@]}"
