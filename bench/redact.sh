#!/usr/bin/env bash
# Benchmark: redaction throughput (MB/s) on one large log, side by side in one run with
# ripsecrets (crates.io) and detect-secrets (PyPI) scanning the same file.
#
# Not the same job: ripsecrets only finds secrets, and detect-secrets only finds secrets
# (both report them, neither rewrites the file), while `debrief redact -` finds secrets
# and also personal data (emails, phones, cards, IBANs, SSNs, IPs) and turns people into
# pseudonyms, writing the whole redacted text out.
#
# The log is the LogHub *_2k.log files (../shared/eval-data/loghub) concatenated until
# it reaches MB megabytes, with a few planted secrets between the copies. Wall seconds and
# peak RSS from /usr/bin/time, best of RUNS; a tool whose first run takes longer than
# SLOW seconds is run once.
#
#   bench/redact.sh                 # ~150 MB, best of 3
#   MB=50 RUNS=1 DS_MB=5 bench/redact.sh
#
# ripsecrets is used from PATH, else installed with `cargo install ripsecrets --locked`
# into $TMPDIR/debrief-bench-cargo (kept for the next run); detect-secrets from PATH, else `pip install detect-secrets`.
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${MB:-150}
RUNS=${RUNS:-3}
SLOW=${SLOW:-60}
DS_MB=${DS_MB:-10}
loghub=${LOGHUB:-../shared/eval-data/loghub}
[ -d "$loghub" ] || { echo "no LogHub logs at $loghub" >&2; exit 1; }

cargo build --release -q
bin=target/release/debrief
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if command -v ripsecrets >/dev/null; then
  rs=$(command -v ripsecrets)
elif [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/ripsecrets" ]; then
  rs="${CARGO_HOME:-$HOME/.cargo}/bin/ripsecrets"
elif [ -x "${TMPDIR:-/tmp}/debrief-bench-cargo/bin/ripsecrets" ]; then
  rs="${TMPDIR:-/tmp}/debrief-bench-cargo/bin/ripsecrets"
else
  CARGO_HOME="${TMPDIR:-/tmp}/debrief-bench-cargo" cargo install ripsecrets --locked -q >&2
  rs="${TMPDIR:-/tmp}/debrief-bench-cargo/bin/ripsecrets"
fi
if command -v detect-secrets >/dev/null; then
  ds=$(command -v detect-secrets)
else
  python3 -m pip install -q detect-secrets >&2
  ds=$(command -v detect-secrets || echo "$(python3 -m site --user-base)/bin/detect-secrets")
fi

# The log: LogHub copies with planted secrets between them.
log="$work/big.log"
target=$((MB * 1000000))
i=0
while [ "$(stat -c %s "$log" 2>/dev/null || echo 0)" -lt "$target" ]; do
  cat "$loghub"/*/*_2k.log >>"$log"
  {
    echo "2025-03-12 10:00:$((i % 60)) WARN deploy: AWS_ACCESS_KEY_ID=AKIA5QXTZ3FAKEK7V2NB region=us-east-1"
    echo "2025-03-12 10:01:$((i % 60)) ERROR db: connect postgres://app:S3cr3t-pa55w0rd-$i@db-1.internal:5432/orders failed"
    echo "2025-03-12 10:02:$((i % 60)) INFO ci: token ghp_$(printf '%036d' "$i" | tr 0-9 a-j) used by jane.doe@example.com"
  } >>"$log"
  i=$((i + 1))
done
bytes=$(stat -c %s "$log")
mb=$(awk "BEGIN{printf \"%.1f\", $bytes/1000000}")
echo "log: $mb MB, $(wc -l <"$log") lines, $i LogHub copies; load: $(uptime | sed 's/.*load average: //')" >&2

# time_best NAME CMD... : best wall seconds and that run's peak KB, into $work/NAME.
time_best() {
  local name=$1
  shift
  local best="" peak=0 n
  for n in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %M' -o "$work/t" "$@" </dev/null >/dev/null 2>&1 || true
    read -r s kb < <(tail -n 1 "$work/t")
    if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then best=$s peak=$kb; fi
    awk "BEGIN{exit !($s > $SLOW)}" && break
  done
  echo "$best $peak $n" >"$work/$name"
}

time_best debrief sh -c "'$bin' redact - < '$log'"
time_best ripsecrets "$rs" "$log"
# detect-secrets scans ~0.2 MB/s: it gets the first DS_MB megabytes of the same log
# (whole lines), and its MB/s is over that prefix. It runs from inside $work with
# `--all-files`: otherwise it scans only files tracked by the git repository around the
# working directory — here none, in half a second, which looks like speed.
head -c $((DS_MB * 1000000)) "$log" | sed '$d' >"$work/prefix.log"
ds_mb=$(awk "BEGIN{printf \"%.1f\", $(stat -c %s "$work/prefix.log")/1000000}")
(cd "$work" && "$ds" scan --all-files prefix.log | grep -q line_number) ||
  { echo "detect-secrets found nothing in the prefix: not scanning it?" >&2; exit 1; }
time_best detect-secrets sh -c "cd '$work' && '$ds' scan --all-files prefix.log"

v_debrief=$("$bin" --version | awk '{print $NF}')
v_rs=$("$rs" --version 2>/dev/null | awk '{print $NF}')
v_ds=$("$ds" --version 2>/dev/null | awk '{print $NF}')
read -r base _ _ <"$work/debrief"
printf '%-15s %-9s %7s %5s %9s %9s %9s %14s\n' tool version MB runs seconds MB/s peak_MiB "ratio_vs_debrief"
for t in debrief ripsecrets detect-secrets; do
  read -r s kb n <"$work/$t"
  m=$mb
  case $t in debrief) v=$v_debrief ;; ripsecrets) v=$v_rs ;; *) v=$v_ds m=$ds_mb ;; esac
  awk -v t="$t" -v v="$v" -v n="$n" -v s="$s" -v kb="$kb" -v m="$m" -v mb="$mb" -v base="$base" 'BEGIN{
    printf "%-15s %-9s %7.1f %5d %9.2f %9.1f %9.1f %13.2fx\n", t, v, m, n, s, m / s, kb / 1024, (mb / base) / (m / s)}'
done
echo "(ratio = debrief's MB/s over the tool's MB/s; above 1 means the tool is slower than debrief)"
