#!/usr/bin/env python3
"""Writes a synthetic incident bundle with N log lines, for the draft benchmark.

  gen_bundle.py OUT_DIR N_LINES

The bundle has an incident.toml, a small Slack export, an Alertmanager webhook archive,
PagerDuty log entries, notes, and N JSON log lines spread over two files, with an error
burst in the middle. Deterministic (fixed seed); stdlib only.
"""
import json, os, random, sys
from datetime import datetime, timedelta, timezone

def main(out, n):
    rnd = random.Random(7)
    os.makedirs(out, exist_ok=True)
    start = datetime(2025, 3, 12, 9, 0, tzinfo=timezone.utc)
    span = timedelta(hours=2)
    burst = (start + timedelta(minutes=50), start + timedelta(minutes=80))
    with open(os.path.join(out, "incident.toml"), "w") as f:
        f.write('id = "INC-BENCH"\ntitle = "Synthetic search outage"\ntimezone = "America/New_York"\n'
                'services = ["search-api"]\n[people]\n"Ada Quinn" = "incident commander"\n')
    os.makedirs(os.path.join(out, "logs"), exist_ok=True)
    files = [open(os.path.join(out, "logs", f"search-api-{i}.jsonl"), "w") for i in range(2)]
    step = span / max(n, 1)
    for i in range(n):
        t = start + step * i
        in_burst = burst[0] <= t <= burst[1]
        if in_burst and rnd.random() < 0.3:
            rec = {"@timestamp": t.isoformat(timespec="milliseconds").replace("+00:00", "Z"), "level": "ERROR",
                   "service": "search-api", "pod": f"search-api-{rnd.randrange(12)}",
                   "message": f"request failed: 503 opensearch pool exhausted (max=64) trace={rnd.getrandbits(64):016x}",
                   "http_status": 503}
        else:
            rec = {"@timestamp": t.isoformat(timespec="milliseconds").replace("+00:00", "Z"), "level": "INFO",
                   "service": "search-api", "pod": f"search-api-{rnd.randrange(12)}",
                   "message": f"GET /v1/search 200 {rnd.randrange(20, 200)}ms q={rnd.getrandbits(32):08x}",
                   "http_status": 200, "duration_ms": rnd.randrange(20, 200)}
        files[i % 2].write(json.dumps(rec) + "\n")
    for f in files:
        f.close()
    os.makedirs(os.path.join(out, "alertmanager"), exist_ok=True)
    with open(os.path.join(out, "alertmanager", "webhooks.jsonl"), "w") as f:
        for status, ends in (("firing", "0001-01-01T00:00:00Z"), ("resolved", (burst[1] + timedelta(minutes=2)).isoformat().replace("+00:00", "Z"))):
            body = {"receiver": "archive", "status": status, "alerts": [{"status": status,
                    "labels": {"alertname": "SearchApiErrorRate", "severity": "critical", "service": "search-api"},
                    "annotations": {"summary": "search-api 5xx above 5%"},
                    "startsAt": (burst[0] + timedelta(minutes=1)).isoformat().replace("+00:00", "Z"), "endsAt": ends,
                    "fingerprint": "a1b2c3d4e5f60718"}], "groupLabels": {"alertname": "SearchApiErrorRate"},
                    "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am:9093", "version": "4",
                    "groupKey": "{}:{alertname=\"SearchApiErrorRate\"}"}
            f.write(json.dumps(body) + "\n")
    os.makedirs(os.path.join(out, "pagerduty"), exist_ok=True)
    def entry(kind, t, summary, agent):
        return {"id": f"R{rnd.getrandbits(40):X}", "type": kind, "summary": summary,
                "created_at": t.isoformat().replace("+00:00", "Z"),
                "agent": agent, "channel": {"type": "api"},
                "incident": {"id": "QBENCH", "type": "incident_reference", "summary": "[#1] SearchApiErrorRate search-api"},
                "service": {"id": "PSRCH", "type": "service_reference", "summary": "search-api"}}
    user = {"id": "PADA", "type": "user_reference", "summary": "Ada Quinn"}
    svc = {"id": "PSRCH", "type": "service_reference", "summary": "search-api"}
    entries = [entry("trigger_log_entry", burst[0] + timedelta(minutes=1, seconds=5), "Triggered through the API.", svc),
               entry("acknowledge_log_entry", burst[0] + timedelta(minutes=4), "Acknowledged by Ada Quinn.", user),
               entry("resolve_log_entry", burst[1] + timedelta(minutes=15), "Resolved by Ada Quinn.", user)]
    with open(os.path.join(out, "pagerduty", "log_entries.json"), "w") as f:
        json.dump({"log_entries": entries[::-1], "limit": 100, "offset": 0, "more": False}, f, indent=2)
    with open(os.path.join(out, "notes.md"), "w") as f:
        f.write("# notes (ET)\n\n05:51 paged, acked\n06:05 disabled the flag\n06:12 errors stopped\n")

if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
