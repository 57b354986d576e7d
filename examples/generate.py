#!/usr/bin/env python3
"""Generate the example incident bundle examples/search-outage/ (INC-311, fictional).

Deterministic and stdlib only (Python 3.11+): every random choice comes from one seeded
random.Random, and no wall-clock time is read, so rerunning writes byte-identical files.

    python3 examples/generate.py            # writes examples/search-outage/ and self-checks
    python3 examples/generate.py --check    # regenerates into a temp dir and compares

After writing, the script parses every JSON / JSONL / TOML / e-mail file, checks the time
story across sources, and prints the line numbers of the key evidence lines.

Everything here is invented for the debrief project: the company (Fernhill Market), the
people, hosts, ids, phone numbers and the planted secrets (all marked FAKE / NOTREAL).
"""

from __future__ import annotations

import argparse
import email
import email.policy
import filecmp
import hashlib
import json
import random
import re
import shutil
import sys
import tempfile
import tomllib
import uuid
from urllib.parse import quote
from datetime import datetime, timedelta, timezone
from pathlib import Path

SEED = 311
HERE = Path(__file__).resolve().parent
BUNDLE = "search-outage"

UTC = timezone.utc
DAY = "2025-03-12"
ET = timezone(timedelta(hours=-4))  # US DST began 2025-03-09: Eastern is EDT (UTC-4)

R = random.Random(SEED)


# --------------------------------------------------------------------------- helpers


def t(hms: str, day: str = DAY) -> datetime:
    """A UTC instant from 'HH:MM:SS[.ffffff]' on the incident day."""
    fmt = "%Y-%m-%d %H:%M:%S.%f" if "." in hms else "%Y-%m-%d %H:%M:%S"
    return datetime.strptime(f"{day} {hms}", fmt).replace(tzinfo=UTC)


def iso_z(d: datetime) -> str:
    """2025-03-12T10:17:16Z"""
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms(d: datetime) -> str:
    """2025-03-12T10:17:16.123Z"""
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"


def slack_ts(d: datetime, micro: int | None = None) -> str:
    """Slack's message ts: epoch seconds with 6 decimals, as a string."""
    secs = int(d.timestamp())
    if micro is None:
        micro = R.randrange(0, 1_000_000)
    return f"{secs}.{micro:06d}"


def hexs(n: int) -> str:
    return "".join(R.choice("0123456789abcdef") for _ in range(n))


def upper_id(prefix: str, n: int) -> str:
    return prefix + "".join(R.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(n))


def uuid4() -> str:
    return str(uuid.UUID(int=R.getrandbits(128), version=4))


def write(root: Path, rel: str, text: str, crlf: bool = False) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    data = text.replace("\n", "\r\n") if crlf else text
    with open(p, "w", encoding="utf-8", newline="") as f:
        f.write(data)


def slack_json(obj) -> str:
    """Slack's exporter writes 4-space JSON with ASCII escapes and `\\/` for slashes."""
    s = json.dumps(obj, indent=4, ensure_ascii=True)
    return s.replace("/", "\\/") + "\n"


def go_json(obj) -> str:
    """One line as Go's encoding/json writes it (compact, `&<>` escaped, UTF-8 kept)."""
    s = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return s.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


_MARKUP = re.compile(r"(<(?:@|#|!|https?://)[^>]*>)")


def slack_text(raw: str) -> str:
    """Slack-encode message text: escape & < > except inside <@U..>, <#C..>, <http..> markup."""
    parts = _MARKUP.split(raw)
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 1:
            out.append(part)
        else:
            out.append(part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    return "".join(out)


# --------------------------------------------------------------------------- the cast

COMPANY = "Fernhill Market"
DOMAIN = "fernhill-market.example"
INTERNAL = "prod.fernhill.internal"
TEAM = upper_id("T0", 9)

PEOPLE = {
    # key: (real name, handle, title, tz, tz_label, tz_offset, phone)
    "noor": ("Noor Haddad", "noor.haddad", "SRE, search on-call", "America/New_York",
             "Eastern Daylight Time", -14400, "+1 617-555-0142"),
    "calvin": ("Calvin Osei", "calvin.osei", "Engineering manager, incident commander rota",
               "America/New_York", "Eastern Daylight Time", -14400, "+1 646-555-0177"),
    "ines": ("Ines Hartmann", "ines.hartmann", "Senior engineer, search-api", "Europe/Berlin",
             "Central European Time", 3600, ""),
    "rafael": ("Rafael Montoya", "rafael.montoya", "Engineer, home & discovery (web)",
               "Europe/Lisbon", "Western European Time", 0, ""),
    "joy": ("Joy Akinwande", "joy.akinwande", "Customer support lead", "Europe/Dublin",
            "Greenwich Mean Time", 0, ""),
}
UID = {k: upper_id("U0", 9) for k in PEOPLE}
AVATAR = {k: "g" + hexs(11) for k in PEOPLE}
GRAVATAR = {k: hexs(32) for k in PEOPLE}
EMAIL = {k: f"{v[1]}@{DOMAIN}" for k, v in PEOPLE.items()}

BOT_PD = {"uid": upper_id("U0", 9), "bot_id": upper_id("B0", 9), "app_id": upper_id("A0", 9)}
BOT_AM = {"uid": upper_id("U0", 9), "bot_id": upper_id("B0", 9), "app_id": upper_id("A0", 9)}

CH_INC = {"id": upper_id("C0", 9), "name": "inc-311-search-503s"}
CH_ALERTS = {"id": upper_id("C0", 9), "name": "alerts-search"}

REDIS_URL = f"redis://search:Fh-srch-NOTREAL-8kQ2w@search-cache-01.{INTERNAL}:6379/2"
GRAFANA_TOKEN = "glsa_NOTREAL" + "".join(
    R.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(25)
) + "_" + hexs(8)
BRIDGE_PHONE = "+1 646-555-0187"

CUSTOMER = ("Margot Ellery", "margot.ellery@example.com", "(617) 555-0193")


# --------------------------------------------------------------------------- incident.toml


def gen_incident_toml() -> str:
    return f"""# INC-311 - opened by the on-call, tidied up by the IC after the incident
id = "INC-311"
title = "Search returning 503s: search-api OpenSearch connection pool exhausted"
severity = "SEV-2"
services = ["search-api", "opensearch (search-prod)", "home-web"]
timezone = "America/New_York"   # the IC's notes are in local time

[people]
"{PEOPLE['noor'][0]}" = "primary on-call"
"{PEOPLE['calvin'][0]}" = "incident commander"
"""


# --------------------------------------------------------------------------- Slack


def slack_user(k: str) -> dict:
    name, handle, title, tz, tz_label, tz_off, _ = PEOPLE[k]
    first, last = name.split(" ", 1)
    av = f"https://secure.gravatar.com/avatar/{GRAVATAR[k]}.jpg"
    fallback = f"https%3A%2F%2Fa.slack-edge.com%2Fdf10d%2Fimg%2Favatars%2Fava_00{R.randrange(10, 25)}"
    profile = {
        "title": title,
        "phone": "",
        "skype": "",
        "real_name": name,
        "real_name_normalized": name,
        "display_name": handle.split(".")[0],
        "display_name_normalized": handle.split(".")[0],
        "fields": None,
        "status_text": "",
        "status_emoji": "",
        "status_expiration": 0,
        "avatar_hash": AVATAR[k],
        "email": EMAIL[k],
        "first_name": first,
        "last_name": last,
    }
    for size in (24, 32, 48, 72, 192, 512):
        profile[f"image_{size}"] = f"{av}?s={size}&d={fallback}-{size}.png"
    profile["team"] = TEAM
    return {
        "id": UID[k],
        "team_id": TEAM,
        "name": handle,
        "deleted": False,
        "color": hexs(6),
        "real_name": name,
        "tz": tz,
        "tz_label": tz_label,
        "tz_offset": tz_off,
        "profile": profile,
        "is_admin": k == "calvin",
        "is_owner": False,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": False,
        "is_app_user": False,
        "updated": 1730000000 + R.randrange(0, 9_000_000),
        "is_email_confirmed": True,
        "who_can_share_contact_card": "EVERYONE",
    }


def slack_bot_user(bot: dict, handle: str, real: str) -> dict:
    return {
        "id": bot["uid"],
        "team_id": TEAM,
        "name": handle,
        "deleted": False,
        "color": "757575",
        "real_name": real,
        "tz": "America/Los_Angeles",
        "tz_label": "Pacific Daylight Time",
        "tz_offset": -25200,
        "profile": {
            "title": "",
            "phone": "",
            "skype": "",
            "real_name": real,
            "real_name_normalized": real,
            "display_name": "",
            "display_name_normalized": "",
            "fields": None,
            "status_text": "",
            "status_emoji": "",
            "status_expiration": 0,
            "avatar_hash": hexs(12),
            "api_app_id": bot["app_id"],
            "always_active": True,
            "bot_id": bot["bot_id"],
            "first_name": real,
            "last_name": "",
            "team": TEAM,
        },
        "is_admin": False,
        "is_owner": False,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": True,
        "is_app_user": False,
        "updated": 1700000000 + R.randrange(0, 9_000_000),
    }


def user_profile(k: str) -> dict:
    name, handle = PEOPLE[k][0], PEOPLE[k][1]
    return {
        "avatar_hash": AVATAR[k],
        "image_72": f"https://secure.gravatar.com/avatar/{GRAVATAR[k]}.jpg?s=72",
        "first_name": name.split(" ")[0],
        "real_name": name,
        "display_name": handle.split(".")[0],
        "team": TEAM,
        "name": handle,
        "is_restricted": False,
        "is_ultra_restricted": False,
    }


def m(k: str) -> str:
    """A mention of person k, as Slack writes it in text."""
    return f"<@{UID[k]}>"


# The incident channel, in UTC. (time, who, text, options)
# options: join=inviter-or-None, thread=parent-key, key=name for threads/evidence,
#          edited=seconds-later, reactions=[(name, [people])]
INC_MESSAGES = [
    ("10:19:35", "noor", None, {"join": None}),
    ("10:19:58", "noor", "ack'd the page (SearchApiErrorRate, critical). search-api is returning 503s on "
     "roughly a quarter of requests. opening INC-311, I'm primary", {"key": "ack"}),
    ("10:20:41", "noor", "customer facing (search on web + app), escalating to the IC on call", {}),
    ("10:21:30", "calvin", None, {"join": "noor"}),
    ("10:21:52", "calvin", f"here. I'll take IC, {m('noor')} you're ops lead. what do we know so far?",
     {"key": "ic"}),
    ("10:22:20", "noor", "errors are all `request failed: 503 opensearch pool exhausted (max=64)`. "
     "the pool-wait warnings started about a minute before the first 503", {"edited": 41}),
    ("10:22:58", "noor", "search-api v4.12.0 went out at 09:58 UTC (opensearch-java 2.11 -> 2.13 + "
     "synonym query rewrite). it's the only change I can see in <#C02DPLYS7Q|deploys>. "
     "smells like the deploy", {"key": "deploy_theory"}),
    ("10:23:05", "ines", None, {"join": "calvin"}),
    ("10:23:25", "calvin", "is the opensearch cluster itself ok?", {}),
    ("10:23:40", "ines", "the client bump didn't touch our pool settings, max is still 64. but 2.13 "
     "changed the default keep-alive handling, so I can't rule it out", {"thread": "deploy_theory"}),
    ("10:23:58", "ines", "cluster is green: 6/6 data nodes, CPU ~40%, search thread pool queue 0. "
     "it's on our side: all 64 client connections busy and requests queueing behind them", {}),
    ("10:24:15", "noor", "it's the only change in the window, and errors started ~18 min after it",
     {"thread": "deploy_theory"}),
    ("10:24:36", "ines", "query cache looks cold too:\n```$ redis-cli -u " + REDIS_URL +
     " info stats | grep keyspace\nkeyspace_hits:18220931\nkeyspace_misses:9044120```\n"
     "miss ratio was ~4% yesterday, now it's about a third", {"key": "redis"}),
    ("10:24:50", "ines", "fair. I can roll it back in ~4 min", {"thread": "deploy_theory"}),
    ("10:25:05", "noor", "should we bump the pool max to 128 to buy time?", {}),
    ("10:25:30", "ines", "I'd rather not: 8 pods x 128 = 1024 connections into a 6-node cluster, we'd "
     "just move the fire to opensearch", {}),
    ("10:25:58", "calvin", f"decision: roll search-api back to v4.11.3 now, it's the one change we know "
     f"about. {m('ines')} drives. bumping the pool is plan B", {"key": "rollback_decision"}),
    ("10:26:30", "calvin", f"bridge for anyone who wants voice: {BRIDGE_PHONE}, pin 3110412#",
     {"key": "bridge"}),
    ("10:27:46", "ines", "rollback started: <https://github.com/fernhill-market/search-api/actions/runs/"
     "13810442271|deploy v4.11.3 to production>", {"key": "rollback_started"}),
    ("10:28:52", "noor", "pods rolling, 3/8 on v4.11.3", {}),
    ("10:31:05", "ines", "rollback done, all 8 pods on v4.11.3, config reloaded", {"key": "rollback_done"}),
    ("10:32:20", "noor", "still 503ing. error rate the same (~30%), pool still pinned at 64/64",
     {"key": "no_change"}),
    ("10:33:10", "calvin", "ok, no change from the rollback, so it's not the deploy. dropping that "
     "theory. what else changed around 10:14-10:16?", {"key": "not_deploy"}),
    ("10:33:40", "joy", None, {"join": "calvin"}),
    ("10:34:05", "joy", "support here: 11 emails since ~10:20 UTC, all \"search returns nothing\" / "
     "empty results page, web and app. e.g. ticket 9921. anything I can tell customers?",
     {"key": "support"}),
    ("10:34:50", "calvin", f"thanks {m('joy')}. tell them search is degraded and we're on it, next "
     "update in 20 min, no ETA yet", {}),
    ("10:35:30", "noor", "HPA is at 8/12 and CPU is ~35%. pods aren't busy, they're waiting on the "
     "pool, so more pods won't help", {}),
    ("10:36:20", "ines", "found something: opensearch query rate is 3.4x normal but user search QPS "
     "(web + app) is flat. the extra is all `GET /v1/search/similar` with caller=home-web, "
     "starting ~10:14", {"key": "similar_traffic"}),
    ("10:37:00", "calvin", "home-web? did web ship something?", {}),
    ("10:37:25", "noor", "nothing in <#C02DPLYS7Q|deploys> for home-web today", {}),
    ("10:38:05", "noor", "got it: flag audit log, `home.reco_widget` went 0% -> 100% in production at "
     "10:14:00 UTC (scheduled ramp). that's the new home page recommendations widget, every home page "
     "view now calls /v1/search/similar, 6 queries each", {"key": "flag_found",
                                                           "reactions": [("eyes", ["calvin", "ines"])]}),
    ("10:38:40", "rafael", None, {"join": "noor"}),
    ("10:39:10", "rafael", "that's the widget ramp, scheduled last week. the schedule was a single "
     "step 0 -> 100, the plan was 10% first. I can switch it off from the flag UI: the widget just "
     "disappears and the home page falls back to the old 'popular' row", {"thread": "flag_found"}),
    ("10:39:30", "calvin", "could we drop it to 10% instead of off?", {"thread": "flag_found"}),
    ("10:39:45", "ines", "timing lines up exactly: pool waits from 10:15:30, 503s from 10:16:40", {}),
    ("10:39:55", "rafael", "could, but 10% is still extra load with the pool already pinned. off is "
     "safer, nothing breaks without it", {"thread": "flag_found"}),
    ("10:40:10", "calvin", f"decision: disable home.reco_widget in production now. the widget is "
     f"nice-to-have, search isn't. {m('rafael')} go. pool 128 only if this hasn't helped in 5 min",
     {"key": "flag_decision"}),
    ("10:41:12", "rafael", "home.reco_widget disabled in production (10:41:05 in the audit log)",
     {"key": "flag_disabled"}),
    ("10:42:05", "noor", "similar-items QPS dropping, pool pending going down", {}),
    ("10:42:55", "noor", "no 503s since 10:42:30. pool wait back under 5ms", {
        "key": "recovered", "reactions": [("tada", ["calvin", "ines", "rafael", "joy"])]}),
    ("10:44:30", "ines", "both alerts resolved. opensearch query rate back to normal", {}),
    ("10:45:10", "calvin", f"holding for 10 minutes before resolving. {m('joy')} you can tell "
     "customers search is back", {}),
    ("10:46:00", "joy", "will do, replying to 9921 and the other 10 now", {}),
    ("10:52:30", "noor", "0 errors for 10 min, p99 back to ~120ms", {}),
    ("10:57:40", "calvin", "resolving INC-311. postmortem Thursday, I'll start the draft. follow-ups are "
     "in my notes. please keep the widget off until we've talked about load", {"key": "resolving"}),
    ("10:58:20", "rafael", "ack, flag stays off. I'll add ramp steps and a load estimate to the ticket", {}),
]


def gen_slack_inc() -> tuple[list, dict]:
    msgs = []
    by_key = {}
    for hms, who, text, opt in INC_MESSAGES:
        ts = slack_ts(t(hms))
        if "join" in opt:
            msg = {"user": UID[who], "type": "message", "subtype": "channel_join", "ts": ts,
                   "text": f"<@{UID[who]}> has joined the channel"}
            if opt["join"]:
                msg["inviter"] = UID[opt["join"]]
            msgs.append(msg)
            continue
        msg = {
            "client_msg_id": uuid4(),
            "type": "message",
            "text": slack_text(text),
            "user": UID[who],
            "ts": ts,
            "team": TEAM,
            "user_team": TEAM,
            "source_team": TEAM,
            "user_profile": user_profile(who),
        }
        if "edited" in opt:
            msg["edited"] = {"user": UID[who],
                             "ts": slack_ts(t(hms) + timedelta(seconds=opt["edited"]))}
        if "thread" in opt:
            parent = by_key[opt["thread"]]
            msg["thread_ts"] = parent["ts"]
            msg["parent_user_id"] = parent["user"]
            parent.setdefault("_replies", []).append(msg)
        if "reactions" in opt:
            msg["reactions"] = [{"name": n, "users": [UID[u] for u in us], "count": len(us)}
                                for n, us in opt["reactions"]]
        if "key" in opt:
            by_key[opt["key"]] = msg
        msgs.append(msg)
    # thread parents get the reply metadata
    for msg in msgs:
        replies = msg.pop("_replies", None)
        if replies:
            msg["thread_ts"] = msg["ts"]
            msg["reply_count"] = len(replies)
            users = []
            for r_ in replies:
                if r_["user"] not in users:
                    users.append(r_["user"])
            msg["reply_users_count"] = len(users)
            msg["latest_reply"] = replies[-1]["ts"]
            msg["reply_users"] = users
            msg["replies"] = [{"user": r_["user"], "ts": r_["ts"]} for r_ in replies]
            msg["is_locked"] = False
            msg["subscribed"] = False
    return msgs, by_key


AM_URL = "https://alertmanager.prod.fernhill.internal"


def am_slack_post(when: datetime, status: str, alertname: str, sev: str, desc: str, count: int = 1):
    color = {"critical": "danger", "warning": "warning"}[sev] if status == "firing" else "good"
    title = f"[{status.upper()}:{count}] {alertname} (search-api {sev})"
    details = (f"*Alert:* {alertname} - `{sev}`\n*Description:* {desc}\n*Details:*\n"
               f"  \u2022 *alertname:* `{alertname}`\n  \u2022 *namespace:* `search`\n"
               f"  \u2022 *service:* `search-api`\n  \u2022 *severity:* `{sev}`\n"
               f"  \u2022 *team:* `search`")
    return {
        "type": "message",
        "subtype": "bot_message",
        "text": "",
        "ts": slack_ts(when),
        "username": "Alertmanager",
        "bot_id": BOT_AM["bot_id"],
        "app_id": BOT_AM["app_id"],
        "attachments": [{
            "id": 1,
            "color": color,
            "fallback": title,
            "title": title,
            "title_link": f"{AM_URL}/#/alerts?receiver=slack-search",
            "text": details,
            "mrkdwn_in": ["text", "pretext"],
        }],
    }


PD_DOMAIN = "fernhill.pagerduty.com"
PD_INCIDENT = upper_id("Q", 13)
PD_NUMBER = 8734
PD_TITLE = "[FIRING:1] SearchApiErrorRate search-api (critical)"


def pd_slack_post(when: datetime, verb: str, color: str, who: str | None):
    title = f"#{PD_NUMBER}: {PD_TITLE}"
    fields = [{"title": "Service", "value": "search-api (prod)", "short": True},
              {"title": "Assigned", "value": "Search - Primary", "short": True},
              {"title": "Urgency", "value": "High", "short": True}]
    pretext = verb if who is None else f"{verb} by {PEOPLE[who][0]}"
    return {
        "bot_id": BOT_PD["bot_id"],
        "type": "message",
        "text": "",
        "user": BOT_PD["uid"],
        "ts": slack_ts(when),
        "app_id": BOT_PD["app_id"],
        "team": TEAM,
        "bot_profile": {
            "id": BOT_PD["bot_id"],
            "deleted": False,
            "name": "PagerDuty",
            "updated": 1701180123,
            "app_id": BOT_PD["app_id"],
            "icons": {"image_36": "https://a.slack-edge.com/80588/img/plugins/pagerduty/service_36.png"},
            "team_id": TEAM,
        },
        "attachments": [{
            "id": 1,
            "color": color,
            "fallback": f"{verb}: {title}",
            "pretext": pretext,
            "title": title,
            "title_link": f"https://{PD_DOMAIN}/incidents/{PD_INCIDENT}",
            "fields": fields,
            "footer": "PagerDuty",
            "ts": int(when.timestamp()),
        }],
    }


def gen_slack_alerts() -> tuple[list, dict]:
    posts = {}
    posts["am_latency_firing"] = am_slack_post(
        t("10:16:03"), "firing", "SearchLatencyHigh", "warning",
        "search-api p99 latency is 1.21s (threshold 750ms) for 30s")
    posts["am_errors_firing"] = am_slack_post(
        t("10:17:13"), "firing", "SearchApiErrorRate", "critical",
        "search-api 5xx ratio is 12.4% (threshold 5%)")
    posts["pd_triggered"] = pd_slack_post(t("10:17:17"), "Triggered", "a30200", None)
    posts["pd_ack"] = pd_slack_post(t("10:19:03"), "Acknowledged", "ffb400", "noor")
    posts["am_errors_repeat"] = am_slack_post(
        t("10:32:13"), "firing", "SearchApiErrorRate", "critical",
        "search-api 5xx ratio is 31.2% (threshold 5%)")
    posts["am_latency_resolved"] = am_slack_post(
        t("10:44:02"), "resolved", "SearchLatencyHigh", "warning",
        "search-api p99 latency is 0.14s (threshold 750ms) for 30s")
    posts["am_errors_resolved"] = am_slack_post(
        t("10:44:05"), "resolved", "SearchApiErrorRate", "critical",
        "search-api 5xx ratio is 0% (threshold 5%)")
    posts["pd_resolved"] = pd_slack_post(t("10:58:06"), "Resolved", "2eb886", "calvin")
    join = {"user": UID["rafael"], "type": "message", "subtype": "channel_join",
            "ts": slack_ts(t("10:43:20")), "text": f"<@{UID['rafael']}> has joined the channel"}
    msgs = list(posts.values()) + [join]
    msgs.sort(key=lambda x: float(x["ts"]))
    return msgs, posts


def gen_slack(root: Path) -> dict:
    users = [slack_user(k) for k in PEOPLE]
    users.append(slack_bot_user(BOT_PD, "pagerduty", "PagerDuty"))
    users.append(slack_bot_user(BOT_AM, "alertmanager", "Alertmanager"))
    channels = [
        {
            "id": CH_ALERTS["id"], "name": CH_ALERTS["name"], "created": "1688121600",
            "creator": UID["noor"], "is_archived": False, "is_general": False,
            "members": [UID["noor"], UID["calvin"], UID["ines"], UID["rafael"], BOT_AM["uid"], BOT_PD["uid"]],
            "pins": [],
            "topic": {"value": "search-api alerts (Alertmanager + PagerDuty). runbooks: go/search-runbooks",
                      "creator": UID["noor"], "last_set": "1688121660"},
            "purpose": {"value": "Alert notifications for search-api and the search-prod OpenSearch cluster",
                        "creator": UID["noor"], "last_set": "1688121600"},
        },
        {
            "id": CH_INC["id"], "name": CH_INC["name"], "created": str(int(t("10:19:35").timestamp())),
            "creator": UID["noor"], "is_archived": False, "is_general": False,
            "members": [UID[k] for k in ("noor", "calvin", "ines", "joy", "rafael")],
            "pins": [],
            "topic": {"value": "INC-311 | SEV-2 | IC: Calvin | search 503s", "creator": UID["calvin"],
                      "last_set": str(int(t("10:22:04").timestamp()))},
            "purpose": {"value": "INC-311 search-api 503s", "creator": UID["noor"],
                        "last_set": str(int(t("10:19:35").timestamp()))},
        },
    ]
    inc, inc_keys = gen_slack_inc()
    alerts, alert_keys = gen_slack_alerts()
    write(root, "slack/users.json", slack_json(users))
    write(root, "slack/channels.json", slack_json(channels))
    write(root, f"slack/{CH_INC['name']}/{DAY}.json", slack_json(inc))
    write(root, f"slack/{CH_ALERTS['name']}/{DAY}.json", slack_json(alerts))
    return {"inc": inc_keys, "alerts": alert_keys}


# --------------------------------------------------------------------------- PagerDuty

PD_SERVICE = {"id": upper_id("P", 6), "summary": "search-api (prod)"}
PD_TEAM = {"id": upper_id("P", 6), "summary": "Search"}
PD_POLICY = {"id": upper_id("P", 6), "summary": "Search - Production"}
PD_USER = {k: upper_id("P", 6) for k in ("noor", "calvin")}


def pd_ref(kind: str, id_: str, summary: str) -> dict:
    path = {"service": "services", "user": "users", "team": "teams",
            "escalation_policy": "escalation_policies", "incident": "incidents"}[kind]
    html = {"service": "service-directory"}.get(kind, path)
    return {"id": id_, "type": f"{kind}_reference", "summary": summary,
            "self": f"https://api.pagerduty.com/{path}/{id_}",
            "html_url": f"https://{PD_DOMAIN}/{html}/{id_}"}


def pd_entry(kind: str, summary: str, when: datetime, agent: dict, channel: dict, **extra) -> dict:
    lid = upper_id("R", 13)
    e = {
        "id": lid,
        "type": f"{kind}_log_entry",
        "summary": summary,
        "self": f"https://api.pagerduty.com/log_entries/{lid}?incident_id={PD_INCIDENT}",
        "html_url": f"https://{PD_DOMAIN}/incidents/{PD_INCIDENT}/log_entries/{lid}",
        "created_at": iso_z(when),
        "agent": agent,
        "channel": channel,
        "service": pd_ref("service", PD_SERVICE["id"], PD_SERVICE["summary"]),
        "incident": pd_ref("incident", PD_INCIDENT, f"[#{PD_NUMBER}] {PD_TITLE}"),
        "teams": [pd_ref("team", PD_TEAM["id"], PD_TEAM["summary"])],
        "contexts": [],
    }
    e.update(extra)
    return e


def gen_pagerduty(root: Path) -> None:
    svc = pd_ref("service", PD_SERVICE["id"], PD_SERVICE["summary"])
    user = {k: pd_ref("user", PD_USER[k], PEOPLE[k][0]) for k in PD_USER}
    entries = [  # oldest first here; written newest first like GET /log_entries
        pd_entry("trigger", "Triggered through the API.", t("10:17:16"), svc,
                 {"type": "api", "summary": PD_TITLE},
                 event_details={"description": PD_TITLE}),
        pd_entry("notify", f"Notified {PEOPLE['noor'][0]} by phone at {PEOPLE['noor'][6]}.",
                 t("10:17:18"), svc, {"type": "auto"}, user=user["noor"],
                 notification={"type": "phone_notification", "status": "success",
                               "address": PEOPLE["noor"][6]}),
        pd_entry("acknowledge", f"Acknowledged by {PEOPLE['noor'][0]}.", t("10:19:02"), user["noor"],
                 {"type": "web_ui"}, acknowledgement_timeout=1800),
        pd_entry("escalate", f"Escalated to level 2 by {PEOPLE['noor'][0]}.", t("10:20:44"),
                 user["noor"], {"type": "web_ui"},
                 escalation_policy=pd_ref("escalation_policy", PD_POLICY["id"], PD_POLICY["summary"]),
                 assigned_user=user["calvin"]),
        pd_entry("notify", f"Notified {PEOPLE['calvin'][0]} by phone at {PEOPLE['calvin'][6]}.",
                 t("10:20:46"), svc, {"type": "auto"}, user=user["calvin"],
                 notification={"type": "phone_notification", "status": "success",
                               "address": PEOPLE["calvin"][6]}),
        pd_entry("annotate", "Note added", t("10:35:41"), user["calvin"],
                 {"type": "note", "summary": "IC: rolled search-api back to v4.11.3 (done 10:31 UTC), "
                  "no improvement; deploy ruled out. Looking at where the extra OpenSearch traffic "
                  "comes from."}),
        pd_entry("annotate", "Note added", t("10:43:12"), user["calvin"],
                 {"type": "note", "summary": "IC: home.reco_widget flag disabled 10:41:05 UTC; 503s "
                  "stopped 10:42:30. Monitoring before resolve."}),
        pd_entry("resolve", f"Resolved by {PEOPLE['calvin'][0]}.", t("10:58:05"), user["calvin"],
                 {"type": "web_ui"}),
    ]
    entries.reverse()
    body = {"log_entries": entries, "limit": 25, "offset": 0, "more": False, "total": None}
    write(root, "pagerduty/log_entries.json", json.dumps(body, indent=2) + "\n")


# --------------------------------------------------------------------------- Alertmanager

PROM = "http://prometheus-k8s-0:9090"
AM_EXT = "http://alertmanager-main.monitoring.svc:9093"
ZERO = "0001-01-01T00:00:00Z"


def am_body(status: str, alerts: list[dict], group: dict, receiver: str = "webhook-archive") -> dict:
    common_labels = dict(alerts[0]["labels"])
    common_ann = dict(alerts[0]["annotations"])
    gk = "{}/{}:{" + ", ".join(f'{k}="{v}"' for k, v in group.items()) + "}"
    return {
        "receiver": receiver,
        "status": status,
        "alerts": alerts,
        "groupLabels": group,
        "commonLabels": common_labels,
        "commonAnnotations": common_ann,
        "externalURL": AM_EXT,
        "version": "4",
        "groupKey": gk,
        "truncatedAlerts": 0,
    }


def am_alert(status, labels, annotations, starts, ends, expr, fp) -> dict:
    return {
        "status": status,
        "labels": labels,
        "annotations": annotations,
        "startsAt": iso_ms(starts),
        "endsAt": iso_ms(ends) if ends else ZERO,
        "generatorURL": f"{PROM}/graph?g0.expr={quote(expr, safe='')}&g0.tab=1",
        "fingerprint": fp,
    }


def gen_alertmanager(root: Path) -> list[str]:
    disk_labels = {"alertname": "DiskUsageHigh", "device": "nvme1n1", "fstype": "xfs",
                   "instance": "batch-etl-03.prod.fernhill.internal:9100", "job": "node-exporter",
                   "mountpoint": "/data", "prometheus": "monitoring/k8s", "severity": "warning",
                   "team": "data-platform"}
    disk_expr = ('(1 - node_filesystem_avail_bytes{mountpoint="/data"} / '
                 'node_filesystem_size_bytes{mountpoint="/data"}) * 100 > 90')
    disk_fp = hexs(16)

    def disk_ann(pct):
        return {"description": f"/data on batch-etl-03 is {pct}% full",
                "runbook_url": "https://runbooks.fernhill.internal/node/disk-usage-high",
                "summary": "Filesystem almost full"}

    lat_labels = {"alertname": "SearchLatencyHigh", "namespace": "search", "prometheus": "monitoring/k8s",
                  "service": "search-api", "severity": "warning", "team": "search"}
    lat_expr = ('histogram_quantile(0.99, sum by (le) (rate(http_server_duration_seconds_bucket'
                '{service="search-api"}[1m]))) > 0.75')
    lat_fp = hexs(16)

    def lat_ann(v):
        return {"description": f"search-api p99 latency is {v} (threshold 750ms) for 30s",
                "runbook_url": "https://runbooks.fernhill.internal/search/latency-high",
                "summary": "search-api p99 latency above 750ms"}

    err_labels = {"alertname": "SearchApiErrorRate", "namespace": "search", "prometheus": "monitoring/k8s",
                  "service": "search-api", "severity": "critical", "team": "search"}
    err_expr = ('sum(rate(http_server_requests_total{service="search-api",code=~"5.."}[1m])) / '
                'sum(rate(http_server_requests_total{service="search-api"}[1m])) > 0.05')
    err_fp = hexs(16)

    def err_ann(v):
        return {"description": f"search-api 5xx ratio is {v} (threshold 5%)",
                "runbook_url": "https://runbooks.fernhill.internal/search/error-rate",
                "summary": "search-api is returning 5xx"}

    d1s, d1e = t("07:12:41.204"), t("07:16:11.204")
    d2s, d2e = t("07:31:26.204"), t("07:34:56.204")
    lat_s, lat_e = t("10:16:00.481"), t("10:43:55.481")
    err_s, err_e = t("10:17:10.612"), t("10:44:00.612")
    dg = {"alertname": "DiskUsageHigh", "instance": disk_labels["instance"]}
    lines = [
        am_body("firing", [am_alert("firing", disk_labels, disk_ann(91), d1s, None, disk_expr, disk_fp)], dg),
        am_body("resolved", [am_alert("resolved", disk_labels, disk_ann(89), d1s, d1e, disk_expr, disk_fp)], dg),
        am_body("firing", [am_alert("firing", disk_labels, disk_ann(90), d2s, None, disk_expr, disk_fp)], dg),
        am_body("resolved", [am_alert("resolved", disk_labels, disk_ann(88), d2s, d2e, disk_expr, disk_fp)], dg),
        am_body("firing", [am_alert("firing", lat_labels, lat_ann("1.21s"), lat_s, None, lat_expr, lat_fp)],
                {"alertname": "SearchLatencyHigh"}),
        am_body("firing", [am_alert("firing", err_labels, err_ann("12.4%"), err_s, None, err_expr, err_fp)],
                {"alertname": "SearchApiErrorRate"}),
        # repeat_interval 15m on the critical route: same alert, same startsAt, new values
        am_body("firing", [am_alert("firing", err_labels, err_ann("31.2%"), err_s, None, err_expr, err_fp)],
                {"alertname": "SearchApiErrorRate"}),
        am_body("resolved", [am_alert("resolved", lat_labels, lat_ann("0.14s"), lat_s, lat_e, lat_expr, lat_fp)],
                {"alertname": "SearchLatencyHigh"}),
        am_body("resolved", [am_alert("resolved", err_labels, err_ann("0%"), err_s, err_e, err_expr, err_fp)],
                {"alertname": "SearchApiErrorRate"}),
    ]
    text = "".join(go_json(b) + "\n" for b in lines)
    write(root, "alertmanager/webhooks.jsonl", text)
    return text.splitlines()


# --------------------------------------------------------------------------- GitHub

GH_ORG = "fernhill-market"
GH_REPO = "search-api"
GH_LOGIN = {"ines": "ihartmann"}


def gh_user(login: str, uid: int, kind: str = "User") -> dict:
    base = f"https://api.github.com/users/{login}"
    return {
        "login": login,
        "id": uid,
        "node_id": "MDQ6VXNlcj" + hexs(10),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4",
        "gravatar_id": "",
        "url": base,
        "html_url": f"https://github.com/{login}",
        "followers_url": f"{base}/followers",
        "following_url": f"{base}/following{{/other_user}}",
        "gists_url": f"{base}/gists{{/gist_id}}",
        "starred_url": f"{base}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{base}/subscriptions",
        "organizations_url": f"{base}/orgs",
        "repos_url": f"{base}/repos",
        "events_url": f"{base}/events{{/privacy}}",
        "received_events_url": f"{base}/received_events",
        "type": kind,
        "user_view_type": "public",
        "site_admin": False,
    }


def gh_repo(owner: dict) -> dict:
    full = f"{GH_ORG}/{GH_REPO}"
    api = f"https://api.github.com/repos/{full}"
    r = {
        "id": 611734209,
        "node_id": "R_kgDOJHZ" + hexs(6),
        "name": GH_REPO,
        "full_name": full,
        "private": True,
        "owner": owner,
        "html_url": f"https://github.com/{full}",
        "description": "Search API: product search, suggest and similar-items on OpenSearch",
        "fork": False,
        "url": api,
    }
    for k, suffix in [
        ("forks_url", "/forks"), ("keys_url", "/keys{/key_id}"),
        ("collaborators_url", "/collaborators{/collaborator}"), ("teams_url", "/teams"),
        ("hooks_url", "/hooks"), ("issue_events_url", "/issues/events{/number}"),
        ("events_url", "/events"), ("assignees_url", "/assignees{/user}"),
        ("branches_url", "/branches{/branch}"), ("tags_url", "/tags"),
        ("blobs_url", "/git/blobs{/sha}"), ("git_tags_url", "/git/tags{/sha}"),
        ("git_refs_url", "/git/refs{/sha}"), ("trees_url", "/git/trees{/sha}"),
        ("statuses_url", "/statuses/{sha}"), ("languages_url", "/languages"),
        ("stargazers_url", "/stargazers"), ("contributors_url", "/contributors"),
        ("subscribers_url", "/subscribers"), ("subscription_url", "/subscription"),
        ("commits_url", "/commits{/sha}"), ("git_commits_url", "/git/commits{/sha}"),
        ("comments_url", "/comments{/number}"), ("issue_comment_url", "/issues/comments{/number}"),
        ("contents_url", "/contents/{+path}"), ("compare_url", "/compare/{base}...{head}"),
        ("merges_url", "/merges"), ("archive_url", "/{archive_format}{/ref}"),
        ("downloads_url", "/downloads"), ("issues_url", "/issues{/number}"),
        ("pulls_url", "/pulls{/number}"), ("milestones_url", "/milestones{/number}"),
        ("notifications_url", "/notifications{?since,all,participating}"),
        ("labels_url", "/labels{/name}"), ("releases_url", "/releases{/id}"),
        ("deployments_url", "/deployments"),
    ]:
        r[k] = api + suffix
    r.update({
        "created_at": "2023-03-08T14:02:11Z",
        "updated_at": "2025-03-11T16:40:52Z",
        "pushed_at": "2025-03-12T09:41:07Z",
        "git_url": f"git://github.com/{full}.git",
        "ssh_url": f"git@github.com:{full}.git",
        "clone_url": f"https://github.com/{full}.git",
        "svn_url": f"https://github.com/{full}",
        "homepage": None,
        "size": 18342,
        "stargazers_count": 0,
        "watchers_count": 0,
        "language": "Kotlin",
        "has_issues": True,
        "has_projects": False,
        "has_downloads": True,
        "has_wiki": False,
        "has_pages": False,
        "has_discussions": False,
        "forks_count": 0,
        "mirror_url": None,
        "archived": False,
        "disabled": False,
        "open_issues_count": 23,
        "license": None,
        "allow_forking": False,
        "is_template": False,
        "web_commit_signoff_required": False,
        "topics": [],
        "visibility": "private",
        "forks": 0,
        "open_issues": 23,
        "watchers": 0,
        "default_branch": "main",
        "custom_properties": {},
    })
    return r


def gh_deployment(dep_id: int, run_id: int, run_number: int, when: datetime, ref: str, sha: str,
                  description: str, payload: dict, creator: dict, org: dict, event: str) -> dict:
    full = f"{GH_ORG}/{GH_REPO}"
    api = f"https://api.github.com/repos/{full}"
    return {
        "action": "created",
        "deployment": {
            "url": f"{api}/deployments/{dep_id}",
            "id": dep_id,
            "node_id": "DE_kwDOJHZ" + hexs(10),
            "task": "deploy",
            "original_environment": "production",
            "environment": "production",
            "description": description,
            "created_at": iso_z(when),
            "updated_at": iso_z(when),
            "statuses_url": f"{api}/deployments/{dep_id}/statuses",
            "repository_url": api,
            "creator": creator,
            "sha": sha,
            "ref": ref,
            "payload": payload,
            "transient_environment": False,
            "production_environment": True,
            "performed_via_github_app": None,
        },
        "workflow": None,
        "workflow_run": {
            "id": run_id,
            "name": "deploy",
            "node_id": "WFR_kwLOJHZ" + hexs(10),
            "head_branch": ref,
            "head_sha": sha,
            "path": ".github/workflows/deploy.yml",
            "display_title": f"deploy {ref} to production",
            "run_number": run_number,
            "event": event,
            "status": "in_progress",
            "conclusion": None,
            "workflow_id": 50981733,
            "check_suite_id": 33004100000 + run_number,
            "url": f"{api}/actions/runs/{run_id}",
            "html_url": f"https://github.com/{full}/actions/runs/{run_id}",
            "created_at": iso_z(when),
            "updated_at": iso_z(when),
            "run_attempt": 1,
            "run_started_at": iso_z(when),
            "actor": creator,
        },
        "repository": gh_repo(org),
        "organization": {
            "login": GH_ORG,
            "id": org["id"],
            "node_id": org["node_id"],
            "url": f"https://api.github.com/orgs/{GH_ORG}",
            "repos_url": f"https://api.github.com/orgs/{GH_ORG}/repos",
            "events_url": f"https://api.github.com/orgs/{GH_ORG}/events",
            "hooks_url": f"https://api.github.com/orgs/{GH_ORG}/hooks",
            "issues_url": f"https://api.github.com/orgs/{GH_ORG}/issues",
            "members_url": f"https://api.github.com/orgs/{GH_ORG}/members{{/member}}",
            "public_members_url": f"https://api.github.com/orgs/{GH_ORG}/public_members{{/member}}",
            "avatar_url": f"https://avatars.githubusercontent.com/u/{org['id']}?v=4",
            "description": "Fernhill Market engineering",
        },
        "sender": creator,
    }


def gen_github(root: Path) -> None:
    ines = gh_user(GH_LOGIN["ines"], 61873402)
    org = gh_user(GH_ORG, 98120455, "Organization")
    sha_new = hexs(40)
    sha_old = hexs(40)
    d1 = gh_deployment(
        2291738104, 13809981652, 1412, t("09:58:12"), "v4.12.0", sha_new,
        "search-api v4.12.0 to production",
        {"version": "4.12.0", "image": "registry.fernhill.internal/search/search-api:4.12.0",
         "changes": "opensearch-java 2.11.1 -> 2.13.0; synonym-aware query rewrite (#1187)",
         "replicas": 8},
        ines, org, "push")
    d2 = gh_deployment(
        2291740583, 13810442271, 1413, t("10:27:40"), "v4.11.3", sha_old,
        "ROLLBACK INC-311: search-api v4.11.3 to production",
        {"version": "4.11.3", "image": "registry.fernhill.internal/search/search-api:4.11.3",
         "rollback_of": 2291738104, "incident": "INC-311", "replicas": 8},
        ines, org, "workflow_dispatch")
    write(root, "github/deployment-v4.12.0.json", json.dumps(d1, indent=2) + "\n")
    write(root, "github/deployment-v4.11.3-rollback.json", json.dumps(d2, indent=2) + "\n")


# --------------------------------------------------------------------------- flag audit


def gen_flags(root: Path) -> list[str]:
    rows = [
        {"time": "2025-03-05T15:22:47.318Z", "flag": "home.reco_widget", "env": "production",
         "action": "schedule.created", "attribute": "rollout_pct", "old": 0, "new": 100,
         "actor": EMAIL["rafael"], "via": "web_ui", "change_id": "sch_" + hexs(12),
         "comment": "ramp reco widget Wed 2025-03-12 10:14 UTC (quiet hour)"},
        {"time": "2025-03-12T08:02:19.774Z", "flag": "checkout.apple_pay_express", "env": "staging",
         "action": "rollout.updated", "attribute": "rollout_pct", "old": 0, "new": 100,
         "actor": f"qa.automation@{DOMAIN}", "via": "api", "change_id": "chg_" + hexs(12),
         "comment": "nightly regression"},
        {"time": "2025-03-12T08:45:50.102Z", "flag": "search.typo_tolerance_v2", "env": "production",
         "action": "rollout.updated", "attribute": "rollout_pct", "old": 25, "new": 50,
         "actor": EMAIL["ines"], "via": "web_ui", "change_id": "chg_" + hexs(12),
         "comment": "step 2 of 4, dashboards clean"},
        {"time": "2025-03-12T09:20:03.557Z", "flag": "cart.save_for_later", "env": "production",
         "action": "rollout.updated", "attribute": "rollout_pct", "old": 50, "new": 100,
         "actor": f"lena.brandt@{DOMAIN}", "via": "web_ui", "change_id": "chg_" + hexs(12),
         "comment": ""},
        {"time": "2025-03-12T09:31:40.930Z", "flag": "home.reco_widget", "env": "staging",
         "action": "rollout.updated", "attribute": "rollout_pct", "old": 0, "new": 100,
         "actor": EMAIL["rafael"], "via": "web_ui", "change_id": "chg_" + hexs(12),
         "comment": "final check before prod ramp"},
        {"time": "2025-03-12T10:14:00.004Z", "flag": "home.reco_widget", "env": "production",
         "action": "rollout.updated", "attribute": "rollout_pct", "old": 0, "new": 100,
         "actor": EMAIL["rafael"], "via": "scheduled_change", "change_id": "sch_" + hexs(12),
         "comment": "ramp reco widget Wed 2025-03-12 10:14 UTC (quiet hour)"},
        {"time": "2025-03-12T10:41:05.377Z", "flag": "home.reco_widget", "env": "production",
         "action": "flag.toggled", "attribute": "enabled", "old": True, "new": False,
         "actor": EMAIL["rafael"], "via": "web_ui", "change_id": "chg_" + hexs(12),
         "comment": "INC-311: kill switch, search-api overloaded"},
        {"time": "2025-03-12T11:36:12.481Z", "flag": "home.reco_widget", "env": "production",
         "action": "schedule.deleted", "attribute": "rollout_pct", "old": None, "new": None,
         "actor": EMAIL["rafael"], "via": "web_ui", "change_id": "sch_" + hexs(12),
         "comment": "INC-311: no scheduled ramps until load review"},
    ]
    # the schedule created on the 5th and the change it made on the 12th share an id
    rows[5]["change_id"] = rows[0]["change_id"]
    text = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows)
    write(root, "flags/audit.jsonl", text)
    return text.splitlines()


# --------------------------------------------------------------------------- logs

POD_CHARS = "bcdfghjklmnpqrstvwxz2456789"


def pods(rs: str, n: int) -> list[str]:
    return [f"search-api-{rs}-" + "".join(R.choice(POD_CHARS) for _ in range(5)) for _ in range(n)]


def gen_logs(root: Path) -> list[str]:
    new_pods = pods("6b9f7c8d5", 8)  # v4.12.0
    old_pods = pods("7c4d9b6f8", 8)  # v4.11.3 (rollback)
    # the rolling restart: pod i replaced at swap[i]
    swap = [t("10:28:04") + timedelta(seconds=19 * i + R.randrange(0, 6)) for i in range(8)]

    def pod_at(when: datetime) -> str:
        """A pod serving at `when`: v4.12.0 pod i until swap[i], its v4.11.3 successor once started."""
        while True:
            i = R.randrange(8)
            if when < swap[i]:
                return new_pods[i]
            if when >= swap[i] + timedelta(seconds=7):
                return old_pods[i]

    start, end = t("10:00:00"), t("11:00:00")
    ramp_on, first_warn, first_err = t("10:14:00"), t("10:15:30"), t("10:16:40")
    flag_off, last_err = t("10:41:05"), t("10:42:30")

    def sec(d: datetime) -> float:
        return (d - start).total_seconds()

    def home_rate(s: float) -> float:
        """home-web similar-items requests per second (sampled)."""
        if s < sec(ramp_on):
            return 0.0
        if s < sec(flag_off):
            return min(0.5, 0.5 * (s - sec(ramp_on)) / 45.0)
        return max(0.0, 0.5 * (1 - (s - sec(flag_off)) / 80.0))

    def stress(s: float) -> float:
        """0..1: how saturated the OpenSearch client pool is."""
        if s < sec(first_warn):
            return 0.0
        if s < sec(flag_off):
            return min(1.0, 0.15 + 0.85 * (s - sec(first_warn)) / 240.0)
        return max(0.0, 1 - (s - sec(flag_off)) / (sec(last_err) - sec(flag_off) + 4))

    def err_frac(s: float) -> float:
        if s < sec(first_err) or s > sec(last_err):
            return 0.0
        if s < sec(flag_off):
            return min(0.33, 0.06 + 0.27 * (s - sec(first_err)) / 150.0)
        return 0.33 * max(0.05, 1 - (s - sec(flag_off)) / (sec(last_err) - sec(flag_off)))

    events: list[tuple[datetime, dict]] = []

    def ev(when: datetime, level: str, message: str, pod: str | None = None, **fields) -> None:
        rec = {"@timestamp": iso_ms(when), "level": level, "service": "search-api",
               "pod": pod or pod_at(when), "message": message}
        rec.update(fields)
        events.append((when, rec))

    user_paths = [("/v1/search", 0.58, 28, 70), ("/v1/search/suggest", 0.36, 6, 18),
                  ("/v1/search/similar", 0.06, 22, 55)]
    user_callers = ["web", "web", "web", "ios", "ios", "android"]

    def request(when: datetime, path: str, caller: str, lo: int, hi: int, forced_err: bool = False):
        s = sec(when)
        trace = hexs(32)
        st = stress(s)
        fail = forced_err or (R.random() < err_frac(s))
        pod = pod_at(when)
        if fail:
            dur = R.randint(1000, 1006)
            ev(when, "ERROR", "request failed: 503 opensearch pool exhausted (max=64)", pod,
               http_status=503, duration_ms=dur, trace_id=trace, caller=caller)
            when2 = when + timedelta(milliseconds=R.randint(0, 2))
            ev(when2, "INFO", f"GET {path} 503 {dur}ms", pod, http_status=503, duration_ms=dur,
               trace_id=trace, caller=caller)
            return
        dur = R.randint(lo, hi)
        if st > 0 and R.random() < st:
            dur += R.randint(250, 960)
        ev(when, "INFO", f"GET {path} 200 {dur}ms", pod, http_status=200, duration_ms=dur,
           trace_id=trace, caller=caller)

    # user traffic (sampled access log), a gentle morning ramp
    s = 0.0
    while True:
        rate = 0.40 + 0.05 * (s / 3600.0)
        s += R.expovariate(rate)
        if s >= 3600:
            break
        when = start + timedelta(seconds=s)
        x = R.random()
        acc = 0.0
        for path, share, lo, hi in user_paths:
            acc += share
            if x <= acc:
                break
        caller = "pdp-web" if path.endswith("similar") else R.choice(user_callers)
        request(when, path, caller, lo, hi)

    # home-web similar-items traffic from the reco widget
    s = sec(ramp_on) + 0.8
    while True:
        s += R.expovariate(0.5)
        if s >= sec(flag_off) + 90:
            break
        if R.random() < home_rate(s) / 0.5:
            request(start + timedelta(seconds=s), "/v1/search/similar", "home-web", 24, 60)

    # the first and the last 503 at exact times
    request(first_err + timedelta(milliseconds=233), "/v1/search/similar", "home-web", 0, 0, True)
    request(last_err + timedelta(milliseconds=418), "/v1/search", "web", 0, 0, True)

    # pool-wait warnings
    first = first_warn + timedelta(milliseconds=127)
    ev(first, "WARN", "opensearch pool wait 850ms", pool_active=64, pool_pending=3)
    s = sec(first)
    while True:
        s += R.expovariate(0.26)
        if s >= sec(last_err) - 2:
            break
        st = stress(s)
        if R.random() >= st:
            continue
        when = start + timedelta(seconds=s)
        wait = min(998, int(850 + 140 * st + R.randint(-30, 10)))
        pending = max(1, int(120 * st + R.randint(-15, 15)))
        ev(when, "WARN", f"opensearch pool wait {wait}ms", pool_active=64, pool_pending=pending)

    # background noise
    hp = new_pods[0]
    for i in range(60):  # cluster health poller, one pod (rollback moves it)
        when = start + timedelta(seconds=60 * i + 12, milliseconds=R.randint(0, 900))
        pod = old_pods[0] if when >= swap[0] else hp
        shards = 96
        ev(when, "INFO", f"opensearch cluster search-prod health=green nodes=6 active_shards={shards}", pod=pod)
    for i in range(30):
        when = start + timedelta(seconds=120 * i + 47, milliseconds=R.randint(0, 900))
        ev(when, "INFO", f"catalog-updates consumer lag={R.choice([0, 0, 0, 1, 2, 0, 3])} partition={i % 12}")
    for _ in range(70):
        when = start + timedelta(seconds=R.uniform(0, 3599))
        ms = R.randint(6, 31)
        ev(when, "INFO", f"gc pause {ms}ms (G1 Evacuation Pause, young)")
    for _ in range(34):
        when = start + timedelta(seconds=R.uniform(0, 3599))
        ver = R.choice(["ios/7.29.2", "ios/7.30.0", "android/5.12.1"])
        ev(when, "WARN", f"deprecated query param 'sort' used by client {ver}, use 'order_by'")
    for minute in (7, 17, 27, 37, 47, 57):
        when = t(f"10:{minute:02d}:03") + timedelta(milliseconds=R.randint(0, 900))
        if minute == 7:
            ev(when, "ERROR", "synonyms refresh failed: s3 GetObject timed out after 5000ms, "
               "keeping synonyms v2025.03.10", pod=hp)
        else:
            pod = old_pods[0] if when >= swap[0] else hp
            ev(when, "INFO", "synonyms refreshed: v2025.03.10 (4211 rules)", pod=pod)

    # the rollback: old pods drain, new pods start; one config reload from the configmap revert
    for i in range(8):
        w = swap[i]
        ev(w - timedelta(seconds=1, milliseconds=R.randint(0, 500)), "INFO",
           "received SIGTERM, draining in-flight requests", pod=new_pods[i], version="4.12.0")
        ev(w + timedelta(seconds=6, milliseconds=R.randint(0, 900)), "INFO",
           "started search-api 4.11.3 in 6.1s (opensearch.pool.max=64, acquire_timeout=1000ms)",
           pod=old_pods[i], version="4.11.3")
    ev(swap[0] + timedelta(seconds=9, milliseconds=402), "INFO",
       "config reloaded: search-api-config rev 41 -> 40 (rollback), opensearch.pool.max=64 unchanged",
       pod=old_pods[0], version="4.11.3")

    events.sort(key=lambda e: (e[0], e[1]["message"]))
    text = "".join(json.dumps(rec, separators=(",", ":")) + "\n" for _, rec in events)
    write(root, "logs/search-api.jsonl", text)
    return text.splitlines()


# --------------------------------------------------------------------------- notes


def gen_notes(root: Path) -> list[str]:
    text = f"""# INC-311 search 503s - IC notes

(calvin, typed on the bridge, tidy later)

06:17 noor paged (SearchApiErrorRate crit). latency warning was already in #alerts-search from 06:16
06:19 noor ack'd
06:21 I got escalated to, joined #inc-311-search-503s, took IC. noor = ops lead
  - search-api 503 on ~25-30% of requests: "opensearch pool exhausted (max=64)"
  - opensearch cluster itself fine?? green, cpu ~40% (ines)
~06:2x thought it was the deploy. v4.12.0 went out 5:58 (opensearch client bump). only change we knew of
06:25 ines: redis query cache miss ratio ~1/3 (normally ~4%). didnt know what to make of it
06:26 decided: roll back to v4.11.3, ines drives.
   alternatives: bump pool max 64 -> 128 (ines: just moves the load onto the cluster), add pods (noor: pods idle, waiting on pool)
06:27 rollback started
06:31 rollback done. 06:32 no change. still 503s. so NOT the deploy
06:34 joy: support getting "search returns nothing" emails (ticket 9921 + ~10 more)
06:36 ines: opensearch query rate 3.4x normal, all from caller=home-web /v1/search/similar
   pulled it myself to double check:
   curl -s -H "Authorization: Bearer {GRAFANA_TOKEN}" "https://grafana.fernhill.internal/api/datasources/proxy/uid/prom-prod/api/v1/query?query=sum%20by%20(caller)%20(rate(search_requests_total%5B5m%5D))"
06:38 noor found it in the flag audit: home.reco_widget 0 -> 100% at 6:14 (scheduled ramp, one step)
06:39 rafael: could go to 10% instead of off. no, off is safer
06:40 DECISION: kill the flag. widget is nice to have, search is not
06:41 rafael disabled it
~06:42 errors stopped
06:44 alerts resolved
06:58 resolved in PD

follow-ups
- flag ramps for anything that calls search: staged (1/10/50/100) with auto-halt on error rate
- the widget fans out 6 live opensearch queries per home page view. should be one cached reco call
- pool exhausted -> straight 503 for everyone. shed home_reco first? separate pool / priority?
- alert on pool saturation. pool-wait WARNs from 06:15 in the logs, nothing paged until 06:17
- flag changes don't show up in #deploys or on dashboards. we spent ~15 min on the wrong theory
- frontend shows a 503 as "no results" -> customers thought we had no stock. show an error instead
- how many searches actually failed? access log is sampled, need the real number from metrics
- did the v4.12.0 keep-alive change make the pool worse? rollback said no, but not proven
- when did support get the first email? ask joy
"""
    write(root, "notes/ic-notes.md", text)
    return text.splitlines()


# --------------------------------------------------------------------------- support e-mail


def gen_email(root: Path) -> list[str]:
    name, addr, phone = CUSTOMER
    sent = t("10:26:47")
    text = f"""Return-Path: <{addr}>
Delivered-To: help@{DOMAIN}
Received: from mail-yw1-f170.example.com (mail-yw1-f170.example.com [203.0.113.170])
        by mx2.{DOMAIN} (Postfix) with ESMTPS id 4ZCQ1m6xYtz3wK
        for <help@{DOMAIN}>; Wed, 12 Mar 2025 10:26:49 +0000 (UTC)
Received: by mail-yw1-f170.example.com with SMTP id 00721157ae682-6fd719d0d5cso4410237b3.1
        for <help@{DOMAIN}>; Wed, 12 Mar 2025 03:26:48 -0700 (PDT)
MIME-Version: 1.0
From: {name} <{addr}>
Date: {sent.astimezone(ET).strftime('%a, %d %b %Y %H:%M:%S -0400')}
Message-ID: <CAH7pQ2v{hexs(20).upper()}=x{hexs(8)}@mail.example.com>
Subject: Search returns nothing??
To: Fernhill Market Help <help@{DOMAIN}>
X-Fernhill-Ticket-ID: 9921
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: 8bit

Hi,

Since about 6:15 this morning most searches on your website return
nothing. I typed "oat milk", "sourdough" and even "bananas" and it just
says "No results". Sometimes it works if I try again, mostly not. The
app on my phone does the same thing.

I have a delivery slot at 8:00 and my basket is half empty. Are you out
of everything or is the site broken?

My account is this email ({addr}), or call me on {phone}.

Thanks,
{name}

Sent from my iPhone
"""
    write(root, "support/ticket-9921.eml", text, crlf=True)
    return text.splitlines()


# --------------------------------------------------------------------------- checks


def line_of(lines: list[str], needle: str, nth: int = 1) -> int:
    hits = [i + 1 for i, ln in enumerate(lines) if needle in ln]
    if len(hits) < nth:
        raise AssertionError(f"needle not found: {needle!r}")
    return hits[nth - 1]


def unique_line(lines: list[str], needle: str) -> int:
    hits = [i + 1 for i, ln in enumerate(lines) if needle in ln]
    if len(hits) != 1:
        raise AssertionError(f"needle {needle!r} found {len(hits)} times, want 1")
    return hits[0]


def check(root: Path, slack_keys: dict) -> None:
    total = 0
    files = sorted(p for p in root.rglob("*") if p.is_file())
    for p in files:
        rel = p.relative_to(root).as_posix()
        data = p.read_bytes()
        total += len(data)
        text = data.decode("utf-8")
        if p.suffix == ".json":
            json.loads(text)
        elif p.suffix == ".jsonl":
            for n, ln in enumerate(text.splitlines(), 1):
                try:
                    json.loads(ln)
                except json.JSONDecodeError as e:
                    raise AssertionError(f"{rel}:{n}: {e}") from None
        elif p.suffix == ".toml":
            tomllib.loads(text)
        elif p.suffix == ".eml":
            assert "\r\n" in text and "\n" not in text.replace("\r\n", ""), f"{rel}: not CRLF"
            msg = email.message_from_bytes(data, policy=email.policy.default)
            assert msg["Date"].datetime.utcoffset() == timedelta(hours=-4), f"{rel}: Date offset"
        else:
            assert "\r" not in text, f"{rel}: unexpected CR"
    assert total < 1_050_000, f"bundle is {total} bytes, want under ~1 MB"

    def L(rel):
        return (root / rel).read_text(encoding="utf-8").replace("\r\n", "\n").split("\n")

    # the time story, checked across sources
    logs = [json.loads(x) for x in L("logs/search-api.jsonl") if x]
    errs = [r["@timestamp"] for r in logs if r["level"] == "ERROR" and "pool exhausted" in r["message"]]
    warns = [r["@timestamp"] for r in logs if r["message"].startswith("opensearch pool wait")]
    s503 = [r["@timestamp"] for r in logs if r.get("http_status") == 503]
    assert errs[0].startswith("2025-03-12T10:16:40") and errs[-1].startswith("2025-03-12T10:42:30"), errs[:1] + errs[-1:]
    assert s503[0].startswith("2025-03-12T10:16:40") and s503[-1].startswith("2025-03-12T10:42:30")
    assert warns[0].startswith("2025-03-12T10:15:30") and warns[-1] < "2025-03-12T10:42:31"
    assert logs[0]["@timestamp"] >= "2025-03-12T10:00:00" and logs[-1]["@timestamp"] < "2025-03-12T11:00:00"
    stamps = [r["@timestamp"] for r in logs]
    assert stamps == sorted(stamps), "log not in time order"
    assert 3200 <= len(logs) <= 3800, f"{len(logs)} log lines"
    pd = json.loads((root / "pagerduty/log_entries.json").read_text())["log_entries"]
    created = [e["created_at"] for e in pd]
    assert created == sorted(created, reverse=True), "PagerDuty entries must be newest first"
    am = [json.loads(x) for x in L("alertmanager/webhooks.jsonl") if x]
    crit = [a for b in am for a in b["alerts"] if a["labels"]["alertname"] == "SearchApiErrorRate"]
    assert crit[0]["startsAt"] < pd[-1]["created_at"].replace("Z", ".999Z") < "2025-03-12T10:17:20"
    for ch in (CH_INC["name"], CH_ALERTS["name"]):
        day = json.loads((root / f"slack/{ch}/{DAY}.json").read_text())
        tss = [float(x["ts"]) for x in day]
        assert tss == sorted(tss), f"{ch} not in ts order"
        assert all(re.fullmatch(r"\d{10}\.\d{6}", x["ts"]) for x in day)
    assert len(json.loads((root / f"slack/{CH_INC['name']}/{DAY}.json").read_text())) >= 40

    # key evidence lines
    inc_rel = f"slack/{CH_INC['name']}/{DAY}.json"
    al_rel = f"slack/{CH_ALERTS['name']}/{DAY}.json"
    inc, al = L(inc_rel), L(al_rel)
    log = L("logs/search-api.jsonl")
    fl = L("flags/audit.jsonl")
    amL = L("alertmanager/webhooks.jsonl")
    pdL = L("pagerduty/log_entries.json")
    notes = L("notes/ic-notes.md")
    eml = L("support/ticket-9921.eml")
    gh1, gh2 = L("github/deployment-v4.12.0.json"), L("github/deployment-v4.11.3-rollback.json")

    def slack_line(lines, msg):
        """The line of the message's "text" (or of its attachment's "title" for a bot post)."""
        if msg["text"]:
            needle = '"text": ' + json.dumps(msg["text"], ensure_ascii=True).replace("/", "\\/")[:70]
        else:
            needle = '"fallback": ' + json.dumps(msg["attachments"][0]["fallback"]).replace("/", "\\/")
            ts_line = unique_line(lines, f'"ts": "{msg["ts"]}"')
            return ts_line + next(i for i, ln in enumerate(lines[ts_line:]) if needle in ln) + 1
        return unique_line(lines, needle)

    def pd_line(kind, nth=1):
        return line_of(pdL, f'"type": "{kind}_log_entry"', nth)

    rows = [
        ("deploy v4.12.0 (red herring)", "github/deployment-v4.12.0.json",
         line_of(gh1, '"created_at": "2025-03-12T09:58:12Z"')),
        ("flag ramp home.reco_widget 0->100", "flags/audit.jsonl", unique_line(fl, "2025-03-12T10:14:00")),
        ("first home-web similar request", "logs/search-api.jsonl",
         line_of(log, '"caller":"home-web"')),
        ("first signal: first pool-wait WARN", "logs/search-api.jsonl",
         unique_line(log, '"message":"opensearch pool wait 850ms"')),
        ("detected: SearchLatencyHigh firing", "alertmanager/webhooks.jsonl",
         line_of(amL, '"status":"firing","alerts":[{"status":"firing","labels":{"alertname":"SearchLatencyHigh"')),
        ("impact start: first 503 ERROR", "logs/search-api.jsonl",
         line_of(log, "request failed: 503 opensearch pool exhausted")),
        ("SearchApiErrorRate firing", "alertmanager/webhooks.jsonl",
         line_of(amL, '"alertname":"SearchApiErrorRate"')),
        ("  ...its repeat notification", "alertmanager/webhooks.jsonl", line_of(amL, "31.2%")),
        ("Slack: Alertmanager FIRING critical", al_rel, slack_line(al, slack_keys["alerts"]["am_errors_firing"])),
        ("PagerDuty trigger", "pagerduty/log_entries.json", pd_line("trigger")),
        ("PagerDuty notify (phone)", "pagerduty/log_entries.json",
         unique_line(pdL, f"Notified {PEOPLE['noor'][0]} by phone")),
        ("acknowledged: PagerDuty ack", "pagerduty/log_entries.json", pd_line("acknowledge")),
        ("Slack: ack in incident channel", inc_rel, slack_line(inc, slack_keys["inc"]["ack"])),
        ("PagerDuty escalate", "pagerduty/log_entries.json", pd_line("escalate")),
        ("Slack: deploy theory (thread parent)", inc_rel, slack_line(inc, slack_keys["inc"]["deploy_theory"])),
        ("Slack: redis URL with password", inc_rel, unique_line(inc, "Fh-srch-NOTREAL")),
        ("Slack: bridge phone number", inc_rel, unique_line(inc, BRIDGE_PHONE)),
        ("Slack: decision to roll back", inc_rel, slack_line(inc, slack_keys["inc"]["rollback_decision"])),
        ("rollback deployment v4.11.3", "github/deployment-v4.11.3-rollback.json",
         line_of(gh2, '"created_at": "2025-03-12T10:27:40Z"')),
        ("log: config reloaded (rollback)", "logs/search-api.jsonl", unique_line(log, "config reloaded")),
        ("Slack: rollback done", inc_rel, slack_line(inc, slack_keys["inc"]["rollback_done"])),
        ("Slack: no change after rollback", inc_rel, slack_line(inc, slack_keys["inc"]["no_change"])),
        ("Slack: support reports", inc_rel, slack_line(inc, slack_keys["inc"]["support"])),
        ("PagerDuty note (deploy ruled out)", "pagerduty/log_entries.json", unique_line(pdL, "deploy ruled out")),
        ("Slack: flag ramp spotted", inc_rel, slack_line(inc, slack_keys["inc"]["flag_found"])),
        ("Slack: decision to disable flag", inc_rel, slack_line(inc, slack_keys["inc"]["flag_decision"])),
        ("flag disabled", "flags/audit.jsonl", unique_line(fl, "2025-03-12T10:41:05")),
        ("Slack: flag disabled", inc_rel, slack_line(inc, slack_keys["inc"]["flag_disabled"])),
        ("mitigated: last 503 ERROR", "logs/search-api.jsonl",
         max(i + 1 for i, ln in enumerate(log) if "request failed: 503" in ln)),
        ("Slack: recovery", inc_rel, slack_line(inc, slack_keys["inc"]["recovered"])),
        ("SearchApiErrorRate resolved", "alertmanager/webhooks.jsonl",
         line_of(amL, '"status":"resolved","alerts":[{"status":"resolved","labels":{"alertname":"SearchApiErrorRate"')),
        ("Slack: resolving", inc_rel, slack_line(inc, slack_keys["inc"]["resolving"])),
        ("resolved: PagerDuty resolve", "pagerduty/log_entries.json", pd_line("resolve")),
        ("notes: ack (ET)", "notes/ic-notes.md", unique_line(notes, "06:19 noor ack'd")),
        ("notes: deploy theory (ET)", "notes/ic-notes.md", unique_line(notes, "~06:2x thought it was the deploy")),
        ("notes: bearer token", "notes/ic-notes.md", unique_line(notes, "glsa_NOTREAL")),
        ("notes: follow-ups", "notes/ic-notes.md", unique_line(notes, "follow-ups")),
        ("email: Date (-0400)", "support/ticket-9921.eml", unique_line(eml, "Date: ")),
        ("unrelated: DiskUsageHigh flap", "alertmanager/webhooks.jsonl", line_of(amL, "DiskUsageHigh")),
        ("unrelated: synonyms refresh ERROR", "logs/search-api.jsonl", unique_line(log, "synonyms refresh failed")),
        ("unrelated: search.typo_tolerance_v2", "flags/audit.jsonl", unique_line(fl, "search.typo_tolerance_v2")),
    ]
    print(f"wrote {len(files)} files, {total:,} bytes, {len(logs)} log lines under {root}")
    print("key evidence (file:line)")
    for label, rel, n in rows:
        print(f"  {label:<40} {rel}:{n}")


# --------------------------------------------------------------------------- main


def generate(root: Path) -> dict:
    R.seed(SEED + 1)  # module-level ids were drawn at import; the rest starts from here
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    write(root, "incident.toml", gen_incident_toml())
    keys = gen_slack(root)
    gen_pagerduty(root)
    gen_alertmanager(root)
    gen_github(root)
    gen_logs(root)
    gen_flags(root)
    gen_notes(root)
    gen_email(root)
    return keys


def digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temporary folder and compare with the committed bundle")
    ap.add_argument("--out", type=Path, default=HERE / BUNDLE, help="where to write the bundle")
    args = ap.parse_args()
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / BUNDLE
            generate(out)
            cmp = filecmp.dircmp(out, HERE / BUNDLE)
            same = digest(out) == digest(HERE / BUNDLE)
            print("identical" if same else "DIFFERS from the committed bundle")
            if not same:
                cmp.report_full_closure()
            return 0 if same else 1
    keys = generate(args.out)
    check(args.out, keys)
    print(f"sha256 of the bundle: {digest(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
