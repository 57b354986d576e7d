#!/usr/bin/env bash
# Benchmark: `debrief draft` on generated bundles of 10k, 100k and 1M log lines (and more
# with SIZES=...), wall time and peak memory, with `rg -c ''` (or `wc -l`) over the same
# files as the floor: the cost of just reading the bytes.
#
#   bench/draft.sh                  # release build, then the table
#   SIZES="10000 1000000" bench/draft.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"10000 100000 1000000"}
RUNS=${RUNS:-3}
cargo build --release -q
bin=target/release/debrief
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
floor_cmd() { if command -v rg >/dev/null; then rg -c '' "$1" >/dev/null; else cat "$1"/logs/* | wc -l >/dev/null; fi; }

printf '%-10s %10s %12s %12s %12s %10s\n' lines MB draft_s peak_MiB floor_s ratio
for n in $SIZES; do
  b="$work/bundle-$n"
  python3 bench/gen_bundle.py "$b" "$n"
  mb=$(du -sm "$b" | cut -f1)
  best=""; peak=0
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %M' -o "$work/t" "$bin" draft "$b" --format json -o "$work/out.json" 2>/dev/null
    read -r s kb < "$work/t"
    if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then best=$s; fi
    [ "$kb" -gt "$peak" ] && peak=$kb
  done
  fbest=""
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e' -o "$work/f" bash -c "$(declare -f floor_cmd); floor_cmd '$b'"
    f=$(cat "$work/f")
    if [ -z "$fbest" ] || awk "BEGIN{exit !($f < $fbest)}"; then fbest=$f; fi
  done
  ratio=$(awk "BEGIN{ if ($fbest > 0) printf \"%.1f\", $best / $fbest; else print \"-\" }")
  printf '%-10s %10s %12s %12s %12s %10s\n' "$n" "$mb" "$best" "$((peak / 1024))" "$fbest" "$ratio"
done
