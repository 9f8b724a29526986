#!/usr/bin/env bash
# GPU smoke test, for a person on a machine with an NVIDIA GPU and a driver for CUDA 11.6 or later:
# builds with -Pgpu (ND4J's CUDA 11.6 backend), checks that ND4J really loads CUDA, runs the demo in
# Spark local mode on it, and prints the demo's mIoU and training examples/s next to the CPU
# figures in docs/benchmarks.md.
#   deploy/gpu/smoke.sh [--run-dir DIR] [--skip-build] [--classpath FILE] [--dry-run] [-- demo args]
set -euo pipefail
source "$(cd "$(dirname "$0")/.." && pwd)/common.sh"

usage() {
  cat >&2 <<USAGE
usage: $(basename "$0") [options] [-- extra ./ddep demo args, e.g. --set finetune.epochs=20]
  --run-dir DIR      the demo's run directory (default runs/gpu-smoke; must not hold an earlier run)
  --skip-build       use the classes and classpath of an earlier -Pgpu build
  --classpath FILE   the dependency classpath file (default target/classpath-gpu.txt, written by the build)
  --dry-run          print the commands and the CPU reference figures; build and run nothing
  --report DIR       print the figures of an earlier smoke run in DIR; build and run nothing
USAGE
  exit 2
}

RUN_DIR="runs/gpu-smoke"; BUILD=1; CLASSPATH_FILE="$DDEP_ROOT/target/classpath-gpu.txt"; DDEP_DRY_RUN=0; EXTRA=()
REPORT_ONLY=0
need_value() { [ $# -ge 2 ] && [ -n "$2" ] || { echo "$(basename "$0"): $1 needs a value" >&2; usage; }; }
while [ $# -gt 0 ]; do
  case "$1" in
    --run-dir) need_value "$@"; RUN_DIR="$2"; shift 2 ;;
    --skip-build) BUILD=0; shift ;;
    --classpath) need_value "$@"; CLASSPATH_FILE="$2"; shift 2 ;;
    --dry-run) DDEP_DRY_RUN=1; shift ;;
    --report) need_value "$@"; RUN_DIR="$2"; REPORT_ONLY=1; shift 2 ;;
    -h|--help) usage ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "$(basename "$0"): unknown option '$1'" >&2; usage ;;
  esac
done

# The figures to compare with, as docs/benchmarks.md states them (CPU, the project's 2-core machine).
BENCH="$DDEP_ROOT/docs/benchmarks.md"
cpu_examples_per_s="$(grep -m1 '^| 1 worker x 2 cores |' "$BENCH" 2>/dev/null | awk -F'|' '{gsub(/[* ]/, "", $3); print $3}')"
cpu_miou="$(grep -m1 '^| 0.1 | ' "$BENCH" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $4); print $4}')"
[ -n "$cpu_examples_per_s" ] || cpu_examples_per_s="n/a (not found in docs/benchmarks.md)"
[ -n "$cpu_miou" ] || cpu_miou="n/a (not found in docs/benchmarks.md)"

DDEP_GPU=1   # ddep_jvm_options: no oneDNN selector, the CUDA build of libnd4j loads instead
read -r -a jvm <<< "$(ddep_jvm_options)"
java_cmd() {
  local cp
  cp="$DDEP_ROOT/target/classes:$( [ -f "$CLASSPATH_FILE" ] && cat "$CLASSPATH_FILE" || echo "<$CLASSPATH_FILE>")"
  printf '%s\0' java -Xmx6g -Dorg.bytedeco.javacpp.maxbytes=8G -Dorg.bytedeco.javacpp.maxphysicalbytes=16G \
    "${jvm[@]}" -cp "$cp" org.ddep.cli.Main "$@"
}
run() {
  if [ "$DDEP_DRY_RUN" = 1 ]; then
    printf '%q ' "$@"; printf '\n'
  else
    "$@"
  fi
}

report() {
  # GPU figures of this run: mean examples/s of decoder pretraining after its first epoch (warm-up),
  # and the DDeP model's mIoU at the demo's 10% of labels.
  gpu_examples_per_s="$(awk -F'[,:}]' '{e=0; x=""; for (i = 1; i < NF; i++) { if ($i ~ /"epoch"/) e = $(i+1); if ($i ~ /"examples_per_s"/) x = $(i+1) }
    if (e > 1 && x != "") { s += x; n++ } } END { if (n) printf "%.1f", s / n; else print "n/a" }' \
    "$RUN_DIR/pretrain-decoder/metrics.jsonl")"
  gpu_miou="$(grep -o '"miou"[[:space:]]*:[[:space:]]*[0-9.eE+-]*' "$RUN_DIR/evaluate/ddep-f0.1/metrics.json" | head -1 \
    | sed 's/.*:[[:space:]]*//')"
  printf '\n%-44s %14s %14s\n' "ddep demo" "this GPU" "CPU (docs)"
  printf '%-44s %14s %14s\n' "decoder pretraining, examples/s" "$gpu_examples_per_s" "$cpu_examples_per_s"
  printf '%-44s %14s %14s\n' "DDeP mIoU at 10% of the labels" "${gpu_miou:-n/a}" "$cpu_miou"
  echo "(CPU: docs/benchmarks.md, the 2-core reference machine; its mIoU is the sweep's, with a different fine-tune budget)"
}

if [ "$REPORT_ONLY" = 1 ]; then
  report
  exit 0
fi

build=(mvn -B -q -Pgpu -DskipTests -f "$DDEP_ROOT/pom.xml" compile dependency:build-classpath
       "-Dmdep.outputFile=$CLASSPATH_FILE" -Dmdep.includeScope=compile)
mapfile -d '' backend < <(java_cmd backend --expect cuda)
mapfile -d '' demo < <(java_cmd demo --run-dir "$RUN_DIR" "${EXTRA[@]}")

if [ "$DDEP_DRY_RUN" = 1 ]; then
  echo "# build"; [ "$BUILD" = 1 ] && run "${build[@]}" || echo "(skipped: --skip-build)"
  echo "# backend check"; run "${backend[@]}"
  echo "# demo"; run "${demo[@]}"
  echo "# CPU reference (docs/benchmarks.md): decoder pretraining $cpu_examples_per_s examples/s, DDeP mIoU at 10% $cpu_miou"
  exit 0
fi

if [ "$BUILD" = 1 ]; then
  echo "smoke.sh: building with -Pgpu (the first build downloads ND4J's CUDA artifacts)..." >&2
  "${build[@]}"
fi
[ -f "$CLASSPATH_FILE" ] || { echo "smoke.sh: no $CLASSPATH_FILE: build first (drop --skip-build)" >&2; exit 2; }
if ! "${backend[@]}"; then
  echo "smoke.sh: FAILED: ND4J did not load its CUDA backend, so the demo would run on the CPU (see above)." >&2
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi >&2 || true
  else
    echo "smoke.sh: nvidia-smi not found: no NVIDIA driver on this machine." >&2
  fi
  exit 3
fi
if [ -e "$RUN_DIR/config.conf" ]; then
  echo "smoke.sh: $RUN_DIR holds an earlier run (its finished stages would be skipped, not measured):" \
       "choose another --run-dir or remove it" >&2
  exit 2
fi
"${demo[@]}"
report
