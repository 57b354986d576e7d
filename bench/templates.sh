#!/usr/bin/env bash
# Benchmark: lines per second of `debrief templates` (release build) against drain3 0.9.11
# (bench/templates_drain3.py: default settings plus the usual masking) on the same input in the
# same run, and the ratio.
#
# Input: the LogHub-2k raw logs (../shared/eval-data/loghub) concatenated and repeated to
# LINES lines (default 1,000,000); each repeat shifts every number so no raw line repeats.
#
#   bench/templates.sh
#   LINES=200000 RUNS=1 bench/templates.sh
#   NO_DRAIN3=1 bench/templates.sh          # debrief only
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${LINES:-1000000}
RUNS=${RUNS:-3}
DATA=${LOGHUB:-../shared/eval-data/loghub}
[ -d "$DATA" ] || { echo "no LogHub data at $DATA (set LOGHUB)" >&2; exit 2; }
cargo build --release -q -p debrief
bin=target/release/debrief
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
input="$work/loghub-$LINES.log"

python3 - "$DATA" "$LINES" "$input" <<'PY'
import glob, os, re, sys
data, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = []
for path in sorted(glob.glob(os.path.join(data, "*", "*_2k.log"))):
    with open(path, encoding="utf-8", errors="replace") as f:
        lines.extend(l.rstrip("\r\n") for l in f)
digits = re.compile(r"\d+")
with open(out, "w", encoding="utf-8") as f:
    written, r = 0, 0
    while written < n:
        for l in lines[: n - written]:
            f.write((digits.sub(lambda m: str(int(m.group()) + r), l) if r else l) + "\n")
        written += min(len(lines), n - written)
        r += 1
PY
mb=$(du -m "$input" | cut -f1)
echo "input: $LINES lines, $mb MB (LogHub-2k raw logs, repeated with shifted numbers)"

best() { sort -g | head -1; }
t_text=(); t_jsonl=(); peak=0
for _ in $(seq "$RUNS"); do
  /usr/bin/time -f '%e %M' -o "$work/t" "$bin" templates "$input" > "$work/out.txt"
  read -r s kb < "$work/t"; t_text+=("$s"); [ "$kb" -gt "$peak" ] && peak=$kb
  /usr/bin/time -f '%e %M' -o "$work/t" "$bin" templates --format jsonl "$input" > /dev/null
  read -r s kb < "$work/t"; t_jsonl+=("$s"); [ "$kb" -gt "$peak" ] && peak=$kb
done
text_s=$(printf '%s\n' "${t_text[@]}" | best)
jsonl_s=$(printf '%s\n' "${t_jsonl[@]}" | best)
templates=$(sed -n 1p "$work/out.txt")

rate() { awk "BEGIN{ if ($2 > 0) printf \"%.0f\", $1 / $2; else print \"-\" }"; }
printf '\n%-44s %10s %14s\n' tool seconds lines/s
printf '%-44s %10s %14s\n' "debrief templates (text, whole process)" "$text_s" "$(rate "$LINES" "$text_s")"
printf '%-44s %10s %14s\n' "debrief templates --format jsonl (whole)" "$jsonl_s" "$(rate "$LINES" "$jsonl_s")"
echo "debrief: $templates; peak memory $((peak / 1024)) MiB"

if [ -z "${NO_DRAIN3:-}" ]; then
  python3 -c 'import drain3' 2>/dev/null || { echo "drain3 missing: pip install drain3==0.9.11" >&2; exit 2; }
  # Mining time only (the file is read before the clock starts): generous to drain3.
  python3 bench/templates_drain3.py "$input" --throughput 2> "$work/d"
  d_s=$(sed -E 's/.* in ([0-9.]+)s.*/\1/' "$work/d")
  printf '%-44s %10s %14s\n' "drain3 0.9.11 (mining only)" "$d_s" "$(rate "$LINES" "$d_s")"
  cat "$work/d"
  awk "BEGIN{ printf \"ratio: debrief (text, whole process) is %.1fx drain3 (mining only); jsonl %.1fx\n\", $d_s / $text_s, $d_s / $jsonl_s }"
fi
