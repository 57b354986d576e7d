#!/usr/bin/env python3
"""Grouping accuracy (GA) of `debrief templates` and of drain3 on LogHub-2k, side by side.

GA is the standard LogPAI metric: a line counts as correct when the set of lines in its
predicted group is exactly the set of lines in its true group (EventId of
`<Sys>_2k.log_structured.csv`). Three columns per system:

  debrief        `debrief templates --format jsonl` on the Content column (the message part)
  debrief_raw    `debrief templates --format jsonl` on the raw `<Sys>_2k.log` lines, headers and all
                 (debrief peels what it recognises as a leading timestamp/level/component, masks the rest)
  raw_keep       the same with `--keep-header`: nothing peeled, masking alone handles the header
  drain3         drain3 0.9.11, default settings plus the usual masking (bench/templates_drain3.py),
                 on the Content column

    python3 bench/score_templates.py                      # all systems present, release binary
    python3 bench/score_templates.py --bin target/debug/debrief --systems HDFS,Linux
    python3 bench/score_templates.py --no-drain3 --json   # machine-readable, debrief only

Systems marked `dev` were used to choose the miner's parameters; `held-out` ones were only
scored once the parameters were fixed.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_DATA = os.path.join(os.path.dirname(ROOT), "shared", "eval-data", "loghub")
# Chosen before any tuning: half the systems to develop on, half held out.
DEV = {"Apache", "BGL", "HDFS", "Hadoop", "Linux", "OpenSSH"}


def grouping_accuracy(truth, predicted):
    """LogPAI's GA: lines whose predicted cluster is exactly their true cluster."""
    assert len(truth) == len(predicted), (len(truth), len(predicted))
    true_size = Counter(truth)
    members = defaultdict(list)
    for i, p in enumerate(predicted):
        members[p].append(i)
    correct = 0
    for idx in members.values():
        events = {truth[i] for i in idx}
        if len(events) == 1 and true_size[truth[idx[0]]] == len(idx):
            correct += len(idx)
    return correct / len(truth)


def debrief_ids(binary, path, *extra):
    out = subprocess.run([binary, "templates", "--format", "jsonl", *extra, path], check=True, capture_output=True,
                         text=True)
    rows = [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
    return [r["template_id"] for r in rows]


def read_system(data, system):
    with open(os.path.join(data, system, f"{system}_2k.log_structured.csv"), encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["Content"] for r in rows], [r["EventId"] for r in rows]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.environ.get("LOGHUB", DEFAULT_DATA))
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "debrief"))
    ap.add_argument("--systems", help="comma-separated (default: every system present)")
    ap.add_argument("--no-drain3", action="store_true")
    ap.add_argument("--no-raw", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    if not os.path.isdir(args.data):
        print(f"no LogHub data at {args.data} (set --data or LOGHUB)", file=sys.stderr)
        return 2
    systems = sorted(
        s for s in os.listdir(args.data) if os.path.isfile(os.path.join(args.data, s, f"{s}_2k.log_structured.csv"))
    )
    if args.systems:
        systems = [s for s in args.systems.split(",") if s in systems]
    drain3_ids = None
    if not args.no_drain3:
        sys.path.insert(0, HERE)
        from templates_drain3 import cluster_ids as drain3_ids

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for system in systems:
            content, truth = read_system(args.data, system)
            path = os.path.join(tmp, f"{system}.content")
            with open(path, "w", encoding="utf-8") as f:
                f.write("\n".join(content) + "\n")
            row = {"system": system, "split": "dev" if system in DEV else "held-out", "lines": len(truth),
                   "templates": len(set(truth))}
            ids = debrief_ids(args.bin, path)
            row["debrief"] = grouping_accuracy(truth, ids)
            row["debrief_groups"] = len(set(ids))
            if not args.no_raw:
                raw = os.path.join(args.data, system, f"{system}_2k.log")
                row["debrief_raw"] = grouping_accuracy(truth, debrief_ids(args.bin, raw))
                row["raw_keep"] = grouping_accuracy(truth, debrief_ids(args.bin, raw, "--keep-header"))
            if drain3_ids:
                ids, _ = drain3_ids(content)
                row["drain3"] = grouping_accuracy(truth, ids)
                row["drain3_groups"] = len(set(ids))
            results.append(row)

    cols = [c for c in ("debrief", "debrief_raw", "raw_keep", "drain3") if results and c in results[0]]
    mean = {c: sum(r[c] for r in results) / len(results) for c in cols} if results else {}
    if args.json:
        print(json.dumps({"systems": results, "mean": mean}, indent=2))
        return 0
    header = f"{'system':<11} {'split':<9} {'truth':>5} " + " ".join(f"{c:>11}" for c in cols)
    if "drain3" in cols:
        header += "  groups(debrief/drain3)"
    print(header)
    for r in results:
        line = f"{r['system']:<11} {r['split']:<9} {r['templates']:>5} " + " ".join(f"{r[c]:>11.3f}" for c in cols)
        if "drain3" in cols:
            mark = "" if r["debrief"] >= r["drain3"] else "  < drain3"
            line += f"  {r['debrief_groups']}/{r['drain3_groups']}{mark}"
        print(line)
    for split in ("dev", "held-out"):
        part = [r for r in results if r["split"] == split]
        if part and len(part) < len(results):
            print(f"{'mean ' + split:<21} {'':>5} " + " ".join(f"{sum(r[c] for r in part) / len(part):>11.3f}" for c in cols))
    print(f"{'mean':<21} {'':>5} " + " ".join(f"{mean[c]:>11.3f}" for c in cols))
    return 0


if __name__ == "__main__":
    sys.exit(main())
