#!/usr/bin/env bash
# Prep throughput: ddep prep vs the I/O floor (Spark binaryFile copy) vs a PIL loop, on N generated
# 500x375 JPEGs. Usage: bench/prep-benchmark.sh [N=2000] [WORKDIR=target/bench-prep]
# Needs Debian's python3-pil for the PIL line (apt-get install python3-pil).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-2000}"
work="${2:-$here/target/bench-prep}"
cd "$here"
mvn -q -B -DskipTests test-compile dependency:build-classpath@local-classpath
mkdir -p "$work"
java -Xmx4g "@$here/conf/jvm-options" -cp "target/test-classes:target/classes:$(cat target/classpath.txt)" \
  org.ddep.bench.PrepBenchmark "$work" "$n" 2>/dev/null | grep -o '{.*}' | tee "$work/results.jsonl"
py="${PYTHON:-/usr/bin/python3}"
"$py" bench/pil_prep.py "$work/jpegs" 1 | tee -a "$work/results.jsonl"
"$py" bench/pil_prep.py "$work/jpegs" 2 | tee -a "$work/results.jsonl"
"$py" - "$work/results.jsonl" <<'PY'
import json, sys
r = {}
for line in open(sys.argv[1]):
    d = json.loads(line); r[d["bench"] + ("" if "processes" not in d else "-p%d" % d["processes"])] = d["images_per_s"]
ddep = r["ddep-prep-resize256"]
print("ratios: ddep prep (resize) / PIL 2 processes = %.2f; / PIL 1 process = %.2f; ddep prep / binaryFile copy = %.2f"
      % (ddep / r["pil-decode-resize-encode-p2"], ddep / r["pil-decode-resize-encode-p1"], ddep / r["spark-binaryFile-copy"]))
PY
