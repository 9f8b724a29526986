#!/usr/bin/env bash
# The dead-leaves benchmark of docs/benchmarks.md: does decoder denoising pretraining help at low
# label fractions? Runs the label-efficiency sweep (2% to 100% of the labels, DDeP against the
# random-decoder baseline, sweep.seeds seeds per point) at decoder width 1x, then at 2x.
#
#   bench/dead-leaves-benchmark.sh [RUNS] [extra ddep sweep options, e.g. --seeds 5]
#   DESIGN=v2 bench/dead-leaves-benchmark.sh runs/dead-leaves-v2    # the second design (base-32 UNet)
#
# RUNS (default runs/dead-leaves) is a local folder; the widths run in RUNS/1x and RUNS/2x. The 2x run
# starts from copies of the 1x run's generated data, shards and pretrained encoder, so that the two
# widths share everything upstream of the decoder and differ only in it (a sweep cannot vary the
# width itself: each width needs its own decoder pretraining). Finished runs are reused: rerunning
# after an interruption continues where it stopped.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-runs/dead-leaves}"
shift || true
case "${DESIGN:-v1}" in
  v1) preset=dead-leaves ;;
  v2) preset=dead-leaves-v2 ;;
  *) echo "dead-leaves-benchmark: DESIGN=${DESIGN} is not a design; use v1 (the default) or v2" >&2; exit 2 ;;
esac

"$here/ddep" sweep --demo --config "$here/conf/bench/$preset.conf" --run-dir "$runs/1x" "$@"

if [ ! -f "$runs/2x/config.conf" ]; then
  mkdir -p "$runs/2x"
  for part in data shards prep pretrain-encoder; do
    cp -r "$runs/1x/$part" "$runs/2x/"
  done
fi
"$here/ddep" sweep --demo --config "$here/conf/bench/$preset-2x.conf" --run-dir "$runs/2x" "$@"

echo "dead-leaves benchmark: reports at $runs/1x/report/index.md and $runs/2x/report/index.md"
