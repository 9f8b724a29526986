#!/usr/bin/env bash
# Prep throughput: ddep prep vs the I/O floor (Spark binaryFile copy) vs a PIL loop, on N generated
# 500x375 JPEGs. Usage: bench/prep-benchmark.sh [N=2000] [WORKDIR=target/bench-prep]
# Needs Debian's python3-pil for the PIL line (apt-get install python3-pil). The PIL loop runs twice per
# process count: as it is, and with glibc told to keep freed memory (MALLOC_*_THRESHOLD_), since it
# allocates fresh buffers for every image and pays a page fault per page where faults are slow (some
# VMs: ~365 faults and several ms per image); every line reports its minor page faults per image.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-2000}"
work="${2:-$here/target/bench-prep}"
cd "$here"
mvn -q -B -DskipTests test-compile dependency:build-classpath@local-classpath
mkdir -p "$work"
# -XX:+UseTransparentHugePages as executors run (deploy/common.sh)
java -Xmx4g -XX:+UseTransparentHugePages "@$here/conf/jvm-options" -cp "target/test-classes:target/classes:$(cat target/classpath.txt)" \
  org.ddep.bench.PrepBenchmark "$work" "$n" 2>/dev/null | grep -o '{.*}' | tee "$work/results.jsonl"
py="${PYTHON:-/usr/bin/python3}"
for p in 1 2; do
  "$py" bench/pil_prep.py "$work/jpegs" "$p" | tee -a "$work/results.jsonl"
  MALLOC_TRIM_THRESHOLD_=4000000000 MALLOC_MMAP_THRESHOLD_=1000000000 \
    "$py" bench/pil_prep.py "$work/jpegs" "$p" | tee -a "$work/results.jsonl"
done
"$py" - "$work/results.jsonl" <<'PY'
import json, sys
r = {}
for line in open(sys.argv[1]):
    d = json.loads(line)
    key = d["bench"] + ("" if "processes" not in d else "-p%d-%s" % (d["processes"], d.get("malloc", "default")))
    r[key] = d["images_per_s"]   # the last line per key: ddep's second (steady) run
ddep = r["ddep-prep-resize256"]
pil = "pil-decode-resize-encode"
print("ratios: ddep prep (resize) / PIL 2 processes = %.2f (memory kept: %.2f); / PIL 1 process = %.2f (kept: %.2f);"
      " ddep prep / binaryFile copy = %.2f"
      % (ddep / r[pil + "-p2-default"], ddep / r[pil + "-p2-kept"], ddep / r[pil + "-p1-default"],
         ddep / r[pil + "-p1-kept"], ddep / r["spark-binaryFile-copy"]))
PY
