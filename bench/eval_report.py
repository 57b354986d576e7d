#!/usr/bin/env python3
"""Which of a gold file's contributing factors, decision points, open questions and action
themes a debrief draft finds, per bundle.

  eval_report.py [--incidents DIR] [--debrief BIN] [--reviews DIR] [--json OUT] [-v]

For each incident folder in DIR (default ../shared/eval/incidents, beside the repository),
it drafts `bundle/` with `debrief draft --format json` (or reads REVIEWS/<incident>.json
when --reviews is given, to score a saved draft) and matches each gold item against the
draft's statements:

  contributing_factors  findings of the sections contributing_factors, went_poorly,
                        detection and hypotheses
  decision_points       findings of decision_points, and timeline rows
  open_questions        questions
  action_themes         actions

The matcher is plain and printed beside every verdict, so a reader can judge it:

- words: lower case, split at non-letters and camelCase humps, stop words and words
  under three letters dropped (numbers kept), and a light suffix stemmer (-ing, -ed, -es,
  -s, -ly, -tion…), so "rolled back" and "rollback" meet as "roll", "back".
- weight: each word weighs its inverse document frequency over all the statements of the
  draft and the gold items of the bundle, so "checkout" in a checkout incident says little
  and "hikari" says much.
- score: the weighted share of a gold item's words that one statement holds.
  A gold item is found when its best statement scores at least MATCH (0.35) and shares
  at least MIN_SHARED (3) words with it (all of them, for an item of fewer words).
- decision points with a time ("14:56 UTC: …", "~07:05 PST: …", "16:12Z: …"): also found
  when a decision finding or a timeline row within WINDOW (2) minutes of that time scores
  at least NEAR (0.15) and shares two words — the time says which moment, the words that it
  is the same choice.

The thresholds were set before looking at which items they pass, and are the same for every
category and bundle. Exit status 0; 2 when an input is missing.
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile

MATCH = 0.35
MIN_SHARED = 3
NEAR = 0.15
WINDOW = 2  # minutes

STOP = set("""
a an the and or but nor of to in on at by for with from into onto over under about as is are was were be
been being it its this that these those there their they them then than so such not no yes do does did
done have has had having can could would should will may might must shall which who whom whose what when
where why how all any each every some most more less many much very only also just even still yet too
again ever other another same both either neither own out off up down via per vs after before during while
until since because if else though although instead rather than whether one two first last new old
i we you he she our your his her my me us
""".split())

ZONES = {"utc": 0, "z": 0, "gmt": 0, "pst": -8, "pdt": -7, "pt": -8, "est": -5, "edt": -4, "et": -5,
         "cst": -6, "cdt": -5, "ct": -6, "mst": -7, "mdt": -6, "cet": 1, "cest": 2, "bst": 1}

SUFFIXES = ("ations", "ation", "ings", "ing", "edly", "ed", "ies", "es", "ly", "s")


def stem(w):
    if w.isdigit():
        return w
    for suf in SUFFIXES:
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            w = w[: -len(suf)]
            break
    # rolled -> roll, stopped -> stop
    if len(w) >= 4 and w[-1] == w[-2] and w[-1] not in "aeiousl":
        w = w[:-1]
    return w


def words(text):
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text or "")
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", text)
    out = []
    for w in re.findall(r"[A-Za-z]+|\d+", text):
        w = w.lower()
        if w in STOP or (len(w) < 3 and not w.isdigit()):
            continue
        out.append(stem(w))
    return out


def minutes_of_day(h, m, zone):
    return ((h - ZONES.get(zone, 0)) * 60 + m) % (24 * 60)


TIME_RE = re.compile(r"(\d{1,2}):(\d{2})(?::\d{2})?\s*(?:-\s*\d{1,2}:\d{2}\s*)?(utc|z|gmt|[pmce][sd]?t|bst|cest|cet)?\b",
                     re.IGNORECASE)


def leading_time(text):
    """A gold decision point's time of day in UTC minutes, from its opening ("14:56 UTC:")."""
    m = TIME_RE.match(text.lstrip("~ "))
    if not m:
        return None
    zone = (m.group(3) or "utc").lower()
    return minutes_of_day(int(m.group(1)), int(m.group(2)), zone)


def row_minutes(iso):
    m = re.match(r"\d{4}-\d{2}-\d{2}T(\d{2}):(\d{2})", iso or "")
    return int(m.group(1)) * 60 + int(m.group(2)) if m else None


def finding_minutes(text):
    """The writer opens decision findings with "HH:MM UTC"."""
    m = re.match(r"(\d{2}):(\d{2}) UTC", text or "")
    return int(m.group(1)) * 60 + int(m.group(2)) if m else None


def statements(review):
    """(category, section, text, minute-of-day or None) for everything the draft says."""
    out = []
    for f in review.get("findings", []):
        out.append(("finding", f.get("section", ""), f.get("text", ""), finding_minutes(f.get("text", ""))))
    for q in review.get("questions", []):
        out.append(("question", "questions", q.get("question", "") + " " + q.get("evidence_needed", ""), None))
    for a in review.get("actions", []):
        out.append(("action", a.get("category", ""), a.get("text", ""), None))
    for r in review.get("timeline", []):
        out.append(("row", "timeline:" + r.get("kind", ""), r.get("event", ""), row_minutes(r.get("time"))))
    return out


POOLS = {
    "contributing_factors": lambda s: s[0] == "finding" and s[1] in
    ("contributing_factors", "went_poorly", "detection", "hypotheses"),
    "decision_points": lambda s: s[0] == "finding" and s[1] == "decision_points",
    "open_questions": lambda s: s[0] == "question",
    "action_themes": lambda s: s[0] == "action",
}


def idf_table(docs):
    n = len(docs)
    df = {}
    for d in docs:
        for w in set(d):
            df[w] = df.get(w, 0) + 1
    return lambda w: math.log((n + 1) / (df.get(w, 0) + 0.5))


def score(gold_words, cand_words, idf):
    g = set(gold_words)
    if not g:
        return 0.0, set()
    shared = g & set(cand_words)
    total = sum(idf(w) for w in g)
    return (sum(idf(w) for w in shared) / total if total else 0.0), shared


def match_item(category, item, stmts, idf):
    gw = words(item)
    pool = [s for s in stmts if POOLS[category](s)]
    best = (0.0, set(), None)
    for s in pool:
        sc, shared = score(gw, words(s[2]), idf)
        if sc > best[0]:
            best = (sc, shared, s)
    found = best[0] >= MATCH and len(best[1]) >= min(MIN_SHARED, len(set(gw)))
    how = "words" if found else ""
    if not found and category == "decision_points":
        t = leading_time(item)
        if t is not None:
            near = [s for s in stmts if (s[0] == "row" or POOLS["decision_points"](s)) and s[3] is not None
                    and min(abs(s[3] - t), 24 * 60 - abs(s[3] - t)) <= WINDOW]
            for s in near:
                sc, shared = score(gw, words(s[2]), idf)
                if sc >= NEAR and len(shared) >= 2 and sc > (best[0] if how == "time" else -1):
                    best, found, how = (sc, shared, s), True, "time"
    return found, how, best


def draft(debrief, bundle):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "review.json")
        subprocess.run([debrief, "draft", bundle, "--format", "json", "-o", out], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(out, encoding="utf-8") as f:
            return json.load(f)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--incidents", default=os.path.join(root, "..", "..", "shared", "eval", "incidents"))
    p.add_argument("--debrief", default=os.path.join(root, "target", "debug", "debrief"))
    p.add_argument("--reviews", help="folder of saved drafts named <incident>.json")
    p.add_argument("--json", help="write the verdicts here as JSON")
    p.add_argument("-v", "--verbose", action="store_true", help="print the best statement for every item")
    a = p.parse_args()
    if not os.path.isdir(a.incidents):
        alt = os.path.join(root, "..", "shared", "eval", "incidents")
        a.incidents = alt if os.path.isdir(alt) else a.incidents
    if not os.path.isdir(a.incidents):
        print(f"eval_report: no incidents folder at {a.incidents}", file=sys.stderr)
        return 2

    report = {}
    totals = {c: [0, 0] for c in POOLS}
    for name in sorted(os.listdir(a.incidents)):
        inc = os.path.join(a.incidents, name)
        gold_path = os.path.join(inc, "gold.json")
        if not os.path.isfile(gold_path):
            continue
        with open(gold_path, encoding="utf-8") as f:
            gold = json.load(f)
        if a.reviews:
            path = os.path.join(a.reviews, name + ".json")
            if not os.path.isfile(path):
                print(f"eval_report: no saved draft {path}", file=sys.stderr)
                return 2
            with open(path, encoding="utf-8") as f:
                review = json.load(f)
        else:
            review = draft(a.debrief, os.path.join(inc, "bundle"))
        stmts = statements(review)
        items = [(c, g) for c in POOLS for g in gold.get(c, [])]
        idf = idf_table([words(s[2]) for s in stmts] + [words(g) for _, g in items])
        print(f"== {name}")
        report[name] = {}
        for c in POOLS:
            golds = gold.get(c, [])
            verdicts = []
            for g in golds:
                found, how, (sc, shared, s) = match_item(c, g, stmts, idf)
                verdicts.append({"item": g, "found": found, "how": how, "score": round(sc, 2),
                                 "shared": sorted(shared), "by": s[2] if s else None,
                                 "section": s[1] if s else None})
            n = sum(v["found"] for v in verdicts)
            totals[c][0] += n
            totals[c][1] += len(golds)
            print(f"  {c}: {n}/{len(golds)}")
            for v in verdicts:
                mark = "+" if v["found"] else "-"
                extra = f" [{v['how']}]" if v["how"] == "time" else ""
                print(f"    {mark} {v['score']:.2f}{extra} {v['item'][:110]}")
                if a.verbose or v["found"]:
                    by = (v["by"] or "")[:110].replace("\n", " ")
                    print(f"        by {v['section']}: {by}")
            report[name][c] = verdicts
    print("== totals")
    for c, (n, t) in totals.items():
        print(f"  {c}: {n}/{t}")
    print(f"  all: {sum(n for n, _ in totals.values())}/{sum(t for _, t in totals.values())}")
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump({"thresholds": {"match": MATCH, "min_shared": MIN_SHARED, "near": NEAR, "window_min": WINDOW},
                       "bundles": report, "totals": totals}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
