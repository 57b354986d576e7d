#!/usr/bin/env python3
"""Copies an eval bundle and adds N noise log lines inside the incident's own time range.

  pad_bundle.py BUNDLE_DIR GOLD_JSON OUT_DIR N_LINES

The noise is a JSON-lines log (logs/noise-padding.jsonl): mostly INFO request lines from 50
templates, and one line in ten a WARN or ERROR from 300 templates, timestamps spread over
the gold events' span plus an hour either side — so it competes with the real evidence
for the prompt. Deterministic (fixed seed); stdlib only.
"""
import json, os, random, shutil, sys
from datetime import datetime, timedelta, timezone

WORDS = ("cache shard queue lease token pool socket batch index replica worker cursor ledger "
         "bucket stream segment snapshot journal channel session buffer mirror vault router").split()

def parse(t):
    return datetime.fromisoformat(t.replace("Z", "+00:00")).astimezone(timezone.utc)

def main(bundle, gold, out, n):
    rnd = random.Random(11)
    shutil.copytree(bundle, out, dirs_exist_ok=True)
    times = [parse(e["time"]) for e in json.load(open(gold))["events"] if e.get("time")]
    start, end = min(times) - timedelta(hours=1), max(times) + timedelta(hours=1)
    info = [f"{a} {b} {c} ok" for a, b, c in zip(rnd.choices(WORDS, k=50), rnd.choices(WORDS, k=50), rnd.choices(WORDS, k=50))]
    bad = [f"{a} {b} {c} {d} degraded" for a, b, c, d in
           zip(rnd.choices(WORDS, k=300), rnd.choices(WORDS, k=300), rnd.choices(WORDS, k=300), rnd.choices(WORDS, k=300))]
    os.makedirs(os.path.join(out, "logs"), exist_ok=True)
    step = (end - start) / max(n, 1)
    with open(os.path.join(out, "logs", "noise-padding.jsonl"), "w") as f:
        for i in range(n):
            t = (start + step * i).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            if rnd.random() < 0.1:
                level, msg = rnd.choice(["WARN", "ERROR"]), rnd.choice(bad) + f" id={rnd.getrandbits(32):08x}"
            else:
                level, msg = "INFO", rnd.choice(info) + f" {rnd.randrange(2, 900)}ms"
            f.write(json.dumps({"ts": t, "level": level, "service": "noise-svc", "msg": msg}) + "\n")

if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
