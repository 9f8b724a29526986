#!/usr/bin/env bash
# TransUNet training steps of ddep (`ddep step-benchmark`, no Spark) next to the PyTorch peer
# (shared/bench/peer_torch.py) on the same architecture (the peer's torchvision ResNet-50 stages
# 3/4/6 with BatchNorm: model.transunet.resnet-norm = batch), image size, batch and threads, run
# one after the other in this script so the figures are side by side; then ddep's paper
# architecture (weight-standardised convs + GroupNorm, 3/4/9 units), which the peer does not build.
# Per step and batch: images/s and peak resident memory; then the memory added per image of batch
# (the slope between the smallest and largest batch; for ddep from the peak of the steps alone, which
# `ddep step-benchmark` reports as steps_peak_rss_mb) and the ratios to the peer.
# Usage: bench/transunet-benchmark.sh [IMG=128] [BATCHES="1 4"] [STEPS=2] [THREADS=2] [REPS=1]
#        [STAGES="pretrain-decoder finetune"] [WORKSPACES=auto]
# WORKSPACES is ddep's train.workspaces: auto (lean on the CPU backend), or hold, what auto means on CUDA,
# for sizing GPU executors.
# Needs Debian's python3-torch and python3-torchvision for the peer.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
img="${1:-128}"; batches="${2:-1 4}"; steps="${3:-2}"; threads="${4:-2}"; reps="${5:-1}"
stages="${6:-pretrain-decoder finetune}"; workspaces="${7:-auto}"
peer="${DDEP_PEER:-$here/../shared/bench/peer_torch.py}"
py="${PYTHON:-/usr/bin/python3}"
out="$here/target/bench-transunet"; mkdir -p "$out"; results="$out/results-$img-$workspaces.jsonl"; : > "$results"
cd "$here"
mvn -q -B -DskipTests compile dependency:build-classpath@local-classpath
cp="target/classes:$(cat target/classpath.txt)"
peer_arch=(--set model.arch=transunet --set model.transunet.resnet-norm=batch --set "model.transunet.resnet-units=[3, 4, 6]")
paper_arch=(--set model.arch=transunet)
for rep in $(seq "$reps"); do
  for step in $stages; do
    mode=$([ "$step" = finetune ] && echo finetune || echo pretrain)
    for b in $batches; do
      for arch in peer paper; do
        [ "$arch" = peer ] && set_args=("${peer_arch[@]}") || set_args=("${paper_arch[@]}")
        OMP_NUM_THREADS="$threads" java -Xmx8g -Dorg.bytedeco.javacpp.maxbytes=20G -Dorg.bytedeco.javacpp.maxphysicalbytes=22G \
          "@$here/conf/jvm-options" -cp "$cp" org.ddep.cli.Main step-benchmark --stage "$step" --batch "$b" \
          --image-size "$img" --steps "$steps" --warmup 1 "${set_args[@]}" --set "train.workspaces=$workspaces" 2>/dev/null \
          | grep '^{' | sed "s/^{/{\"peer\":\"ddep\",\"arch_name\":\"$arch\",\"rep\":$rep,/" | tee -a "$results"
      done
      /usr/bin/time -f "{\"peer\":\"pytorch-rss\",\"stage\":\"$step\",\"batch\":$b,\"rep\":$rep,\"peak_rss_kb\":%M}" \
        "$py" "$peer" --model transunet --mode "$mode" --img "$img" --batch "$b" --steps "$steps" --warmup 1 \
        --threads "$threads" --device cpu 2>&1 | grep -o '{.*}' | sed "s/^{/{\"stage\":\"$step\",\"batch\":$b,\"rep\":$rep,/" \
        | tee -a "$results"
    done
  done
done
"$py" - "$results" <<'PY'
import json, sys, statistics as st
rows = [json.loads(l) for l in open(sys.argv[1])]
def pick(peer, step, b, arch=None):
    return [r for r in rows if r["peer"] == peer and r["stage"] == step and r["batch"] == b
            and (arch is None or r.get("arch_name") == arch)]
batches = sorted({r["batch"] for r in rows})
lo, hi = batches[0], batches[-1]
img = next(r["image_size"] for r in rows if r["peer"] == "ddep")
print(f"TransUNet step at {img}x{img}, batches {batches}; medians over {max(r['rep'] for r in rows)} run(s)")
print("| step | architecture | batch | ddep img/s | PyTorch img/s | ratio | ddep steps' peak MB | ddep run's peak MB | PyTorch peak MB |")
print("|---|---|---|---|---|---|---|---|---|")
slopes = {}
for step in ("pretrain-decoder", "finetune"):
    for arch in ("peer", "paper"):
        for b in batches:
            d = pick("ddep", step, b, arch)
            t = pick("pytorch", step, b)
            m = pick("pytorch-rss", step, b)
            if not d:
                continue
            # ddep's slope uses the peak of the steps alone (model set-up can peak above a small batch's
            # step and would hide the slope); the run's peak is shown next to it. PyTorch: the process's peak.
            ds, dall = st.median(r["images_per_s"] for r in d), st.median(r["peak_rss_mb"] for r in d)
            dm = st.median(r["steps_peak_rss_mb"] if r.get("steps_peak_rss_mb", -1) > 0 else r["peak_rss_mb"] for r in d)
            if arch == "peer" and t:
                ts, tm = st.median(r["images_per_s"] for r in t), st.median(r["peak_rss_kb"] for r in m) / 1024
                print(f"| {step} | {arch} | {b} | {ds:.3f} | {ts:.3f} | {ds / ts:.2f} | {dm:.0f} | {dall:.0f} | {tm:.0f} |")
                slopes.setdefault((step, "pytorch"), {})[b] = tm
            else:
                print(f"| {step} | {arch} | {b} | {ds:.3f} | - | - | {dm:.0f} | {dall:.0f} | - |")
            slopes.setdefault((step, arch), {})[b] = dm
pairs = [(1, 4)] if 1 in batches and 4 in batches else []
if (lo, hi) not in pairs and hi > lo:
    pairs.append((lo, hi))
for a, b in pairs:
    print(f"\nMemory added per image of batch, (peak at {b} - peak at {a}) / {b - a}:")
    for step in ("pretrain-decoder", "finetune"):
        s = {k: (v[b] - v[a]) / (b - a) for (st_, k), v in slopes.items() if st_ == step and a in v and b in v}
        if "pytorch" in s and s["pytorch"] > 0:
            print(f"  {step}: ddep peer architecture {s.get('peer', float('nan')):.0f} MB, paper architecture "
                  f"{s.get('paper', float('nan')):.0f} MB, PyTorch {s['pytorch']:.0f} MB; ratio "
                  f"{s.get('peer', float('nan')) / s['pytorch']:.2f}x (goal 1.5x)")
PY
