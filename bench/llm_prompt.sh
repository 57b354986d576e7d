#!/usr/bin/env bash
# Benchmark: what `--llm` costs before the first byte goes to a model, and whether the
# prompt keeps the evidence that matters inside its token budget.
#
# 1. Generated bundles (bench/gen_bundle.py) of 10k and 1M log lines: prompt size against
#    the budget, and the overhead outside the model (ranking the evidence, planning the
#    windows, building and scrubbing every request), best of RUNS, release build.
# 2. Each eval bundle (../shared/eval/incidents/*) padded with PAD noise log lines inside
#    its own time range (bench/pad_bundle.py): which gold timeline events still have an
#    evidence line in some request.
#
#   bench/llm_prompt.sh
#   SIZES="10000" PAD=100000 BUDGET=16000 bench/llm_prompt.sh
#   PAD=0 bench/llm_prompt.sh       # the generated bundles only
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"10000 1000000"}
PAD=${PAD:-1000000}
BUDGET=${BUDGET:-24000}
RUNS=${RUNS:-3}
cargo build --release -q -p debrief-llm --example prompt_budget
bin=target/release/examples/prompt_budget
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== generated bundles, budget $BUDGET tokens"
for n in $SIZES; do
  b="$work/gen-$n"
  python3 bench/gen_bundle.py "$b" "$n"
  best=""
  for _ in $(seq "$RUNS"); do
    "$bin" "$b" --budget "$BUDGET" > "$work/out"
    ms=$(awk '/^overhead/ {print $2}' "$work/out")
    if [ -z "$best" ] || awk "BEGIN{exit !($ms < $best)}"; then best=$ms; cp "$work/out" "$work/best"; fi
  done
  echo "-- $n lines (best of $RUNS)"
  grep -E '^(records|draft|evidence lines|requests|largest request|overhead|with a model|note)' "$work/best"
done

eval_dir=../shared/eval/incidents
if [ -d "$eval_dir" ] && [ "$PAD" -gt 0 ]; then
  echo
  echo "== eval bundles padded with $PAD noise lines, budget $BUDGET tokens"
  for inc in "$eval_dir"/*/; do
    name=$(basename "$inc")
    p="$work/pad-$name"
    python3 bench/pad_bundle.py "$inc/bundle" "$inc/gold.json" "$p" "$PAD"
    echo "-- $name"
    "$bin" "$p" --budget "$BUDGET" --gold "$inc/gold.json" \
      | grep -E '^(lines|evidence lines|requests|largest request|overhead|with a model|gold)'
    rm -rf "$p"
  done
fi
