#!/usr/bin/env bash
# TransUNet training-step throughput of ddep (DL4J) next to the PyTorch peer (shared/bench/peer_torch.py)
# on the same architecture (the peer's torchvision ResNet-50 stages 3/4/6 with BatchNorm:
# model.transunet.resnet-norm = batch), batch, image size and thread count; then ddep's paper
# variant (weight-standardised convs + GroupNorm, 3/4/9 units, SameDiff layers) alone, which the
# peer does not build.
# Usage: bench/transunet-benchmark.sh [IMG=224] [BATCH=2] [STEPS=4] [THREADS=2]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
img="${1:-224}"; batch="${2:-2}"; steps="${3:-4}"; threads="${4:-2}"
peer="${DDEP_PEER:-$here/../shared/bench/peer_torch.py}"
py="${PYTHON:-/usr/bin/python3}"
out="$here/target/bench-transunet"; mkdir -p "$out"; : > "$out/results.jsonl"
cd "$here"
mvn -q -B -DskipTests test-compile dependency:build-classpath@local-classpath
cp="target/test-classes:target/classes:$(cat target/classpath.txt)"
for resnet in batch group; do
  for mode in pretrain finetune; do
    OMP_NUM_THREADS="$threads" java -Xmx8g "@$here/conf/jvm-options" -Dbench.model=transunet -Dbench.resnet="$resnet" \
      -cp "$cp" org.ddep.bench.TrainStepBenchmark "$mode" "$img" "$batch" 1 0 "$steps" 1 2>/dev/null \
      | grep -o '{.*}' | tee -a "$out/results.jsonl"
  done
done
for mode in pretrain finetune; do
  /usr/bin/time -f '{"peer":"pytorch-rss","mode":"'"$mode"'","peak_rss_mb":%M}' "$py" "$peer" --model transunet \
    --mode "$mode" --img "$img" --batch "$batch" --steps "$steps" --warmup 1 --threads "$threads" --device cpu \
    2>&1 | grep -o '{.*}' | tee -a "$out/results.jsonl"
done
"$py" - "$out/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ours = {(r["resnet"], r["mode"]): r for r in rows if r["peer"] == "ddep-dl4j"}
torch = {r["mode"]: r for r in rows if r["peer"] == "pytorch"}
rss = {r["mode"]: r for r in rows if r["peer"] == "pytorch-rss"}
for m in ("pretrain", "finetune"):
    o, t = ours[("batch", m)], torch[m]
    print("transunet %s step, peer architecture: ddep %.2f img/s, pytorch %.2f img/s, ratio %.2f; params %d vs %d; "
          "peak RSS ddep %d MB, pytorch %d MB" % (m, o["images_per_s"], t["images_per_s"],
          o["images_per_s"] / t["images_per_s"], o["params"], t["params"], o["peak_rss_mb"], rss[m]["peak_rss_mb"] // 1024))
    g = ours[("group", m)]
    print("transunet %s step, paper architecture (GroupNorm + weight standardisation, SameDiff): ddep %.2f img/s, "
          "%.2fx the batch-norm variant; peak RSS %d MB" % (m, g["images_per_s"], g["images_per_s"] / o["images_per_s"],
          g["peak_rss_mb"]))
PY
