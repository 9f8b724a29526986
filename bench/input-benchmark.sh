#!/usr/bin/env bash
# Training-input throughput per core: ddep's shard-row-to-example code (InputBenchmark) next to a
# PIL + torch peer (bench/input_peer.py) on the same generated files, alternating in each repetition
# so the figures are side by side, on 1 and 2 threads/processes, for
#   (a) denoising at 224 from 341x256 JPEGs, (b) fine-tuning at 512 from 683x512 JPEG + PNG mask
#   pairs, (c) fine-tuning at 1024 from 2048x1024 PNG pairs; (b) and (c) again from the same pairs
#   stored as `pixels = raw` prep stores them (b-raw, c-raw; the peer's figure is its (b), (c)).
# Prints one JSON line per case and thread count (medians over the repetitions, with min and max;
# both sides as they are and with glibc keeping freed memory, "kept": ratio_kept is ddep kept / peer
# kept) and the per-stage costs on one thread.
# Usage: bench/input-benchmark.sh [REPS=3] [PASSES=2] [WORKDIR=target/bench-input]
# Needs Debian's python3-torch and python3-pil for the peer.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
reps="${1:-3}"; passes="${2:-2}"; work="${3:-$here/target/bench-input}"
py="${PYTHON:-/usr/bin/python3}"
cd "$here"
mvn -q -B -DskipTests test-compile dependency:build-classpath@local-classpath
mkdir -p "$work"; results="$work/results.jsonl"; : > "$results"
echo "{\"bench\":\"load\",\"at\":\"start\",\"loadavg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" | tee -a "$results"
for rep in $(seq "$reps"); do
  # -XX:+UseTransparentHugePages as deploy/common.sh gives executors: the heap in 2 MB pages, so the
  # first touch of a growing heap is not one page fault per 4 KB (docs/benchmarks.md, "Reused minibatch buffers")
  OMP_NUM_THREADS=1 java -Xmx6g -XX:+UseTransparentHugePages "@$here/conf/jvm-options" -cp "target/test-classes:target/classes:$(cat target/classpath.txt)" \
    org.ddep.bench.InputBenchmark "$work" "$passes" 2>/dev/null | grep '^{' | sed "s/^{/{\"rep\":$rep,/" | tee -a "$results"
  # ddep too with glibc keeping freed memory, beside the peer's "kept" line: the codecs' native
  # buffers (6 MB per (c) image) are malloc'd and freed per example like the peer's
  MALLOC_TRIM_THRESHOLD_=4000000000 MALLOC_MMAP_THRESHOLD_=1000000000 OMP_NUM_THREADS=1 \
    java -Xmx6g -XX:+UseTransparentHugePages "@$here/conf/jvm-options" -cp "target/test-classes:target/classes:$(cat target/classpath.txt)" \
    org.ddep.bench.InputBenchmark "$work" "$passes" 2>/dev/null | grep '^{' | grep -v stages \
    | sed "s/^{\"bench\":\"ddep\"/{\"rep\":$rep,\"bench\":\"ddep-kept\"/" | tee -a "$results"
  for c in a b c; do
    for p in 1 2; do
      OMP_NUM_THREADS=1 "$py" bench/input_peer.py "$work/$c" "$c" "$p" "$passes" | sed "s/^{/{\"rep\":$rep,/" | tee -a "$results"
      # again with glibc keeping freed memory: where page faults are slow (some VMs), a loop that
      # allocates fresh buffers per example pays for them (docs/benchmarks.md, "Prep throughput")
      MALLOC_TRIM_THRESHOLD_=4000000000 MALLOC_MMAP_THRESHOLD_=1000000000 OMP_NUM_THREADS=1 \
        "$py" bench/input_peer.py "$work/$c" "$c" "$p" "$passes" | grep -v stages \
        | sed "s/^{\"bench\": \"peer\"/{\"rep\":$rep,\"bench\":\"peer-kept\"/" | tee -a "$results"
    done
  done
done
echo "{\"bench\":\"load\",\"at\":\"end\",\"loadavg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" | tee -a "$results"
"$py" - "$results" <<'PY'
import json, sys, statistics as st
rows = [json.loads(l) for l in open(sys.argv[1])]
def vals(bench, case, threads):
    return [r["per_core"] for r in rows if r["bench"] == bench and r["case"] == case and r["threads"] == threads]
def stages(bench, case):
    rs = [r for r in rows if r["bench"] == bench and r["case"] == case]
    keys = ("decode_ms", "crop_flip_ms", "noise_ms", "conversion_ms", "minibatch_ms")
    # a stage the code does inside another one is reported as a word ("fused"), not a time
    return {k: round(st.median(r[k] for r in rs), 2) if all(isinstance(r[k], (int, float)) for r in rs) else rs[0][k]
            for k in keys} if rs else {}
print("summary (examples/s per core: median [min, max] over %d repetition(s)):" % max(r.get("rep", 1) for r in rows))
for case in ("a", "b", "b-raw", "c", "c-raw"):
    for threads in (1, 2):
        d, p = vals("ddep", case, threads), vals("peer", case[0], threads)  # x-raw: the same pairs, prepped raw
        if not d or not p:
            continue
        k = vals("peer-kept", case[0], threads)
        dk = vals("ddep-kept", case, threads)
        print(json.dumps(dict(case=case, threads=threads, ddep_per_core=st.median(d), peer_per_core=st.median(p),
                              ratio=round(st.median(d) / st.median(p), 2), ddep_range=[min(d), max(d)],
                              peer_range=[min(p), max(p)], reps=len(d),
                              ddep_kept_per_core=st.median(dk) if dk else None,
                              peer_kept_per_core=st.median(k) if k else None,
                              ratio_kept=round(st.median(dk) / st.median(k), 2) if k and dk else None,
                              ddep_kept_range=[min(dk), max(dk)] if dk else None,
                              peer_kept_range=[min(k), max(k)] if k else None)))
    print(json.dumps(dict(case=case, stages="one thread, ms per example", ddep=stages("ddep-stages", case),
                          peer=stages("peer-stages", case[0]))))
PY
