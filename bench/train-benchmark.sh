#!/usr/bin/env bash
# Training-step throughput of ddep (DL4J) next to the PyTorch peer (shared/bench/peer_torch.py) on
# the same UNet, batch, image size and thread count, plus the Spark overhead (the fine-tune step
# through parameter averaging with one local worker, fed round by round as the stages do, vs a plain
# loop) and peak resident memory.
# Usage: bench/train-benchmark.sh [IMG=64] [BATCH=16] [BASE=32] [DEPTH=4] [STEPS=20] [THREADS=2]
# Needs Debian's python3-torch and python3-torchvision for the peer lines.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
img="${1:-64}"; batch="${2:-16}"; base="${3:-32}"; depth="${4:-4}"; steps="${5:-20}"; threads="${6:-2}"
peer="${DDEP_PEER:-$here/../shared/bench/peer_torch.py}"
py="${PYTHON:-/usr/bin/python3}"
out="$here/target/bench-train"; mkdir -p "$out"; : > "$out/results.jsonl"
cd "$here"
# OpenMP threads that wait for work sleep instead of spinning (libgomp's default spins, unless the
# process runs more OpenMP threads than it has CPUs). The plain loop's team was the only one in its
# process, so it spun, and on a busy machine its two threads spent most of their CPU waiting for
# each other (3-6x the CPU per image); the Spark modes' second team got the short spin. One policy
# for every JVM and the peer makes the modes comparable and the figures load-insensitive.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
mvn -q -B -DskipTests test-compile dependency:build-classpath@local-classpath
cp="target/test-classes:target/classes:$(cat target/classpath.txt)"
for mode in pretrain finetune spark spark-split spark-dl4j; do
  # A mode that fails is reported (its log kept) and the others still run.
  OMP_NUM_THREADS="$threads" java -Xmx6g "@$here/conf/jvm-options" -cp "$cp" org.ddep.bench.TrainStepBenchmark \
    "$mode" "$img" "$batch" "$base" "$depth" "$steps" 5 2>"$out/$mode.log" | grep -o '{.*}' | tee -a "$out/results.jsonl" \
    || echo "{\"peer\":\"ddep-dl4j\",\"mode\":\"$mode\",\"failed\":\"see $out/$mode.log\"}" | tee -a "$out/results.jsonl"
done
# Mode spark again with Spark's Java serializer, as the CLI's own Spark ran before it turned Kryo on:
# ND4J's serialization copies arrays one element at a time (SerializationBenchmark below).
OMP_NUM_THREADS="$threads" java -Xmx6g "@$here/conf/jvm-options" -Dbench.spark="spark.serializer=org.apache.spark.serializer.JavaSerializer" \
  -cp "$cp" org.ddep.bench.TrainStepBenchmark spark "$img" "$batch" "$base" "$depth" "$steps" 5 2>/dev/null \
  | grep -o '{.*}' | sed 's/"mode":"spark"/"mode":"spark-javaser"/' | tee -a "$out/results.jsonl"
OMP_NUM_THREADS=1 java -Xmx6g "@$here/conf/jvm-options" -cp "$cp" org.ddep.bench.SerializationBenchmark "$base" "$depth" 7 \
  2>/dev/null | grep -o '{.*}' | tee -a "$out/results.jsonl"
for mode in pretrain finetune; do
  /usr/bin/time -f '{"peer":"pytorch-rss","mode":"'"$mode"'","peak_rss_mb":%M}' "$py" "$peer" --model unet --mode "$mode" \
    --img "$img" --batch "$batch" --base "$base" --depth "$depth" --steps "$steps" --threads "$threads" --device cpu \
    2>&1 | grep -o '{.*}' | tee -a "$out/results.jsonl"
done
"$py" - "$out/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
d = {(r["peer"], r["mode"]): r for r in rows if "peer" in r}
ser = {r["serializer"]: r for r in rows if "serializer" in r}
for m in ("pretrain", "finetune"):
    ours, torch = d[("ddep-dl4j", m)]["images_per_s"], d[("pytorch", m)]["images_per_s"]
    # GNU time's %M is in KB
    print("%s step: ddep %.1f img/s, pytorch %.1f img/s, ratio %.2f; peak RSS ddep %s MB, pytorch %d MB"
          % (m, ours, torch, ours / torch, d[("ddep-dl4j", m)]["peak_rss_mb"], d[("pytorch-rss", m)]["peak_rss_mb"] // 1024))
s, f = d[("ddep-dl4j", "spark")]["images_per_s"], d[("ddep-dl4j", "finetune")]["images_per_s"]
print("spark parameter averaging (1 worker) / plain loop, fine-tune step: %.2f (%.1f vs %.1f img/s); peak RSS %s vs %s MB"
      % (s / f, s, f, d[("ddep-dl4j", "spark")]["peak_rss_mb"], d[("ddep-dl4j", "finetune")]["peak_rss_mb"]))
for mode, what in (("spark-split", "the same through DL4J's epoch plumbing (count, random split, per-round repartition)"),
                  ("spark-dl4j", "the same with DL4J's own master (a fresh worker model every round)"),
                  ("spark-javaser", "mode spark with Spark's Java serializer instead of Kryo + ddep's array serializer")):
    r = d.get(("ddep-dl4j", mode), {})
    if "images_per_s" in r:
        print("  %s: %.2f (%.1f img/s)" % (what, r["images_per_s"] / f, r["images_per_s"]))
    else:
        print("  %s: failed (%s)" % (what, r.get("failed", "no result")))
for k, r in ser.items():
    print("one round's model + Adam state (%d parameters, %.0f MB), %s: serialize %.0f ms, deserialize %.0f ms (CPU, median of %d)"
          % (r["parameters"], r["bytes"] / 1e6, k, r["serialize_cpu_ms"], r["deserialize_cpu_ms"], r["reps"]))
PY
