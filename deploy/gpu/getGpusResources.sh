#!/usr/bin/env bash
# Spark GPU discovery script (spark.executor.resource.gpu.discoveryScript): prints the GPUs this
# executor may use as Spark's resource JSON, e.g. {"name": "gpu", "addresses": ["0"]}.
# On YARN and Kubernetes the container sees only the GPUs it was given, so every listed index is ours.
set -euo pipefail
if ! command -v nvidia-smi >/dev/null; then
  echo "getGpusResources.sh: nvidia-smi not found: is this a GPU node with the NVIDIA driver?" >&2
  exit 1
fi
addresses=$(nvidia-smi --query-gpu=index --format=csv,noheader | sed -e 's/[[:space:]]//g' -e '/^$/d' \
  | sed -e 's/.*/"&"/' | paste -sd, -)
echo "{\"name\": \"gpu\", \"addresses\": [${addresses}]}"
