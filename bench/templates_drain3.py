#!/usr/bin/env python3
"""The comparison peer for `debrief templates`: drain3 0.9.11 (PyPI) with its default settings
(depth 4, similarity 0.4, max 100 children, numeric tokens parametrized) plus the usual masking
(the generic instructions of drain3's example `drain3.ini`: MAC-like ids, IPv4, hex sequences,
0x hex, signed integers).

    python3 bench/templates_drain3.py FILE                # jsonl like `debrief templates --format jsonl`
    python3 bench/templates_drain3.py FILE --throughput   # lines/s of mining alone, on stderr

Install: pip install drain3==0.9.11
"""

import json
import sys
import time

from drain3 import TemplateMiner
from drain3.masking import MaskingInstruction
from drain3.template_miner_config import TemplateMinerConfig

# The generic masking instructions of drain3's examples/drain3.ini (the CMD one there is
# specific to its sample log and left out).
MASKING = [
    (r"((?<=[^A-Za-z0-9])|^)(([0-9a-f]{2,}:){3,}([0-9a-f]{2,}))((?=[^A-Za-z0-9])|$)", "ID"),
    (r"((?<=[^A-Za-z0-9])|^)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})((?=[^A-Za-z0-9])|$)", "IP"),
    (r"((?<=[^A-Za-z0-9])|^)([0-9a-f]{6,} ?){3,}((?=[^A-Za-z0-9])|$)", "SEQ"),
    (r"((?<=[^A-Za-z0-9])|^)([0-9A-F]{4} ?){4,}((?=[^A-Za-z0-9])|$)", "SEQ"),
    (r"((?<=[^A-Za-z0-9])|^)(0x[a-f0-9A-F]+)((?=[^A-Za-z0-9])|$)", "HEX"),
    (r"((?<=[^A-Za-z0-9])|^)([\-\+]?\d+)((?=[^A-Za-z0-9])|$)", "NUM"),
]


def miner() -> TemplateMiner:
    config = TemplateMinerConfig()  # defaults: drain_depth 4, drain_sim_th 0.4, max_children 100
    config.profiling_enabled = False
    config.masking_instructions = [MaskingInstruction(p, m) for p, m in MASKING]
    return TemplateMiner(config=config)


def cluster_ids(lines):
    """The drain3 cluster id of each line (ids are stable: drain3 never merges clusters)."""
    m = miner()
    return [m.add_log_message(line)["cluster_id"] for line in lines], m


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
        lines = [l.rstrip("\r\n") for l in f]
    if "--throughput" in sys.argv[2:]:
        m = miner()
        start = time.perf_counter()
        for line in lines:
            m.add_log_message(line)
        secs = time.perf_counter() - start
        print(f"drain3: {len(lines)} lines in {secs:.2f}s = {len(lines) / secs:.0f} lines/s, "
              f"{len(m.drain.clusters)} templates", file=sys.stderr)
        return 0
    ids, m = cluster_ids(lines)
    templates = {c.cluster_id: c.get_template() for c in m.drain.clusters}
    out = sys.stdout
    for n, cid in enumerate(ids, 1):
        out.write(json.dumps({"line": n, "template_id": str(cid), "template": templates[cid]}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
