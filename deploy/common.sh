# Shared by deploy/yarn/submit.sh and deploy/k8s/submit.sh: argument parsing and the spark-submit
# settings every ddep job needs. Sourced, not run.
#
# Sizing (README "Running on a cluster"): one executor per GPU, one task per executor. The executor's
# JVM heap (--executor-memory) holds Spark's data and the serialized examples; ND4J keeps every
# array off-heap, capped by org.bytedeco.javacpp.maxbytes (--offheap); the container must hold both,
# so the memory overhead is offheap + 2g (JVM native memory, CUDA context, netty buffers) and
# maxphysicalbytes (the whole process) is heap + offheap + 1g.

DDEP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DDEP_STAGES="run prep pretrain-encoder pretrain-decoder finetune evaluate report"

ddep_usage() {
  cat >&2 <<USAGE
usage: $(basename "$0") STAGE --config FILE --run-dir URI [options] [-- extra ddep args]
  STAGE                one of: $DDEP_STAGES
  --config FILE        ddep HOCON config (shipped with the job)
  --run-dir URI        run directory (s3a://, hdfs://)
  --executors N        executors = GPUs (default 2)
  --executor-cores N   CPU cores per executor, for decoding and augmentation (default 4)
  --executor-memory M  executor JVM heap (default 8g)
  --offheap G          ND4J off-heap cap per executor, GiB (default 16)
  --driver-memory M    driver JVM heap (default 8g)
  --cpu                CPU executors (no GPU resources; oneDNN build of libnd4j)
  --dry-run            print the spark-submit command instead of running it
$(ddep_usage_extra)
USAGE
  exit 2
}

ddep_parse() {
  [ $# -ge 1 ] || ddep_usage
  DDEP_STAGE="$1"; shift
  case " $DDEP_STAGES " in
    *" $DDEP_STAGE "*) ;;
    *) echo "$(basename "$0"): unknown stage '$DDEP_STAGE'; known: $DDEP_STAGES" >&2; exit 2 ;;
  esac
  DDEP_CONFIG=""; DDEP_RUN_DIR=""; DDEP_EXECUTORS=2; DDEP_EXECUTOR_CORES=4; DDEP_EXECUTOR_MEMORY=8g
  DDEP_OFFHEAP_GB=16; DDEP_DRIVER_MEMORY=8g; DDEP_GPU=1; DDEP_DRY_RUN=0; DDEP_EXTRA=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --config) DDEP_CONFIG="$2"; shift 2 ;;
      --run-dir) DDEP_RUN_DIR="$2"; shift 2 ;;
      --executors) DDEP_EXECUTORS="$2"; shift 2 ;;
      --executor-cores) DDEP_EXECUTOR_CORES="$2"; shift 2 ;;
      --executor-memory) DDEP_EXECUTOR_MEMORY="$2"; shift 2 ;;
      --offheap) DDEP_OFFHEAP_GB="$2"; shift 2 ;;
      --driver-memory) DDEP_DRIVER_MEMORY="$2"; shift 2 ;;
      --cpu) DDEP_GPU=0; shift ;;
      --dry-run) DDEP_DRY_RUN=1; shift ;;
      --) shift; DDEP_EXTRA=("$@"); break ;;
      *) if ! ddep_parse_extra "$@"; then echo "$(basename "$0"): unknown option '$1'" >&2; ddep_usage; fi
         shift "$DDEP_SHIFT" ;;
    esac
  done
  [ -n "$DDEP_CONFIG" ] || { echo "$(basename "$0"): --config FILE is required" >&2; exit 2; }
  [ -f "$DDEP_CONFIG" ] || { echo "$(basename "$0"): --config $DDEP_CONFIG: no such file" >&2; exit 2; }
  [ -n "$DDEP_RUN_DIR" ] || { echo "$(basename "$0"): --run-dir URI is required" >&2; exit 2; }
  [[ "$DDEP_EXECUTORS" =~ ^[1-9][0-9]*$ ]] || { echo "$(basename "$0"): --executors must be a positive integer, not '$DDEP_EXECUTORS'" >&2; exit 2; }
  [[ "$DDEP_OFFHEAP_GB" =~ ^[1-9][0-9]*$ ]] || { echo "$(basename "$0"): --offheap must be whole GiB, not '$DDEP_OFFHEAP_GB'" >&2; exit 2; }
}

# GiB of a Spark memory string (8g, 8192m).
ddep_gib() {
  case "$1" in
    *g|*G) echo "${1%[gG]}" ;;
    *m|*M) echo $(( (${1%[mM]} + 1023) / 1024 )) ;;
    *) echo "$(basename "$0"): memory '$1' must end in g or m" >&2; exit 2 ;;
  esac
}

# conf/jvm-options as one line. GPU executors load the CUDA build of libnd4j: the oneDNN selector is CPU-only.
ddep_jvm_options() {
  local opts
  opts="$(grep -v '^[[:space:]]*#' "$DDEP_ROOT/conf/jvm-options" | grep -v '^[[:space:]]*$')"
  if [ "$DDEP_GPU" = 1 ]; then
    opts="$(printf '%s\n' "$opts" | grep -v 'platform.extension=-onednn')"
  fi
  printf '%s\n' "$opts" | tr '\n' ' ' | sed 's/ $//'
}

# The spark-submit settings every ddep job needs, one --conf per element of DDEP_CONF.
ddep_common_conf() {
  local heap offheap jvm
  heap="$(ddep_gib "$DDEP_EXECUTOR_MEMORY")"; offheap="$DDEP_OFFHEAP_GB"
  jvm="$(ddep_jvm_options)"
  DDEP_CONF=(
    "spark.driver.extraJavaOptions=$jvm"
    # Executors run Linux: the heap in transparent huge pages (2 MB), so touching a growing heap is not
    # one page fault per 4 KB of it (docs/benchmarks.md, "Reused minibatch buffers").
    "spark.executor.extraJavaOptions=$jvm -XX:+UseTransparentHugePages -Dorg.bytedeco.javacpp.maxbytes=${offheap}G -Dorg.bytedeco.javacpp.maxphysicalbytes=$((heap + offheap + 1))G"
    "spark.executor.memoryOverhead=$((offheap + 2))g"
    "spark.executor.instances=$DDEP_EXECUTORS"
    "spark.executor.cores=$DDEP_EXECUTOR_CORES"
    # One training task per executor at a time: a task takes all its executor's cores.
    "spark.task.cpus=$DDEP_EXECUTOR_CORES"
    "spark.serializer=org.apache.spark.serializer.KryoSerializer"
    "spark.kryo.registrator=org.nd4j.kryo.Nd4jRegistrator,org.ddep.stage.DdepKryoRegistrator"
    # A lost executor is replaced and its tasks retried; the stage resumes from its checkpoint otherwise.
    "spark.task.maxFailures=8"
    "spark.dynamicAllocation.enabled=false"
    # ND4J's CPU threads (OpenMP) default to every core of the machine: one per core of the executor.
    "spark.executorEnv.OMP_NUM_THREADS=$DDEP_EXECUTOR_CORES"
  )
  if [ "$DDEP_GPU" = 1 ]; then
    DDEP_CONF+=(
      "spark.executor.resource.gpu.amount=1"
      "spark.task.resource.gpu.amount=1"
    )
  fi
}

ddep_exec() {
  if [ "$DDEP_DRY_RUN" = 1 ]; then
    printf '%q ' "$@"; printf '\n'
  else
    exec "$@"
  fi
}
