#!/usr/bin/env bash
# Benchmark: `debrief draft` on generated bundles of 10k, 100k and 1M log lines (and more
# with SIZES=...), wall time, CPU time and peak memory, with `rg -c ''` over the same files
# as the floor: the cost of just reading the bytes and counting their lines.
#
#   bench/draft.sh                          # release build, then the table
#   SIZES="10000 1000000 10000000" RUNS=1 bench/draft.sh
#
# rg comes from PATH, else from RG=/path/to/rg, else `cargo install ripgrep` into a
# temporary root; with none of those the floor is `cat FILES | wc -l`, and the table says so.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"10000 100000 1000000"}
RUNS=${RUNS:-3}
cargo build --release -q
bin=target/release/debrief
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rg=${RG:-$(command -v rg || true)}
if [ -z "$rg" ] && cargo install ripgrep --locked -q --root "$work/cargo" 2>/dev/null; then
  rg="$work/cargo/bin/rg"
fi
if [ -n "$rg" ]; then floor_name="rg -c ''"; else floor_name="cat | wc -l"; fi
floor_cmd() { if [ -n "$rg" ]; then "$rg" -c '' "$1/logs" >/dev/null; else cat "$1"/logs/* | wc -l >/dev/null; fi; }

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; floor: $floor_name"
printf '%-10s %8s %9s %9s %10s %9s %7s\n' lines MB wall_s cpu_s peak_MiB floor_s ratio
for n in $SIZES; do
  b="$work/bundle-$n"
  python3 bench/gen_bundle.py "$b" "$n"
  mb=$(du -sm "$b" | cut -f1)
  # Read the files once so every run (and the floor) starts from the page cache.
  cat "$b"/logs/* >/dev/null
  best=""; cpu=""; peak=0
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %U %S %M' -o "$work/t" "$bin" draft "$b" --format json -o "$work/out.json" 2>/dev/null
    read -r s u k kb < "$work/t"
    if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then best=$s; cpu=$(awk "BEGIN{print $u + $k}"); fi
    [ "$kb" -gt "$peak" ] && peak=$kb
  done
  fbest=""
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e' -o "$work/f" bash -c "rg='$rg'; $(declare -f floor_cmd); floor_cmd '$b'"
    f=$(cat "$work/f")
    if [ -z "$fbest" ] || awk "BEGIN{exit !($f < $fbest)}"; then fbest=$f; fi
  done
  ratio=$(awk "BEGIN{ if ($fbest > 0) printf \"%.1f\", $best / $fbest; else print \"-\" }")
  printf '%-10s %8s %9s %9s %10s %9s %7s\n' "$n" "$mb" "$best" "$cpu" "$((peak / 1024))" "$fbest" "$ratio"
  rm -rf "$b"
done
