"""False-positive and detection rates of the content rules, and check_message cost.

Run:  python benchmarks/bench_content_corpus.py [--quick]

* False positives: the share of the innocent texts in ``tests/data/content_corpus.yaml``
  (negations, quotations of the law, "police charity drive", "send the sheriff's department
  your receipt", licensed lenders saying they are supervised…) that get a deny-level
  prohibited-wording finding under every shipped ruleset, and the share that gets any
  prohibited-wording finding (deny or warn).
* Detection: the share of the threat evasions in the same file (lookalike letters, accents,
  HTML tags and entities, Jinja literals, pinyin and emoji inside Chinese, impersonation
  signatures) that get a deny-level finding.
* Cost: median microseconds per ``Policy.check_message`` for a 200-character English SMS and
  a 200-character Chinese SMS, every shipped ruleset loaded (median of repeats).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import timeit
from pathlib import Path

import yaml

import collectrules

ROOT = Path(__file__).resolve().parent.parent
ZONES = {"US": ("US-IL", "America/Chicago"), "CN": ("CN", "Asia/Shanghai"), "HK": ("HK", "Asia/Hong_Kong"),
         "TW": ("TW", "Asia/Taipei"), "GB": ("GB", "Europe/London")}


def account(entry):
    jur, zone = ZONES[entry["j"]]
    return {"jurisdictions": [jur], "timezones": [zone], "sol_expired": entry.get("sol_expired", False),
            "institution_type": "bank"}


def findings(policy, entry):
    r = policy.check_message(entry["text"], channel="letter", account=account(entry),
                             recipient=entry.get("recipient", "borrower"))
    return [f for f in r.findings if f.kind == "prohibited_content"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    corpus = yaml.safe_load((ROOT / "tests" / "data" / "content_corpus.yaml").read_text(encoding="utf-8"))
    policy = collectrules.load_policy()
    inn = corpus["innocent"]
    thr = corpus["threats"]
    fp_deny = [e["text"] for e in inn if any(f.severity == "deny" for f in findings(policy, e))]
    fp_any = [e["text"] for e in inn if findings(policy, e)]
    hit = [e for e in thr if any(f.severity == "deny" for f in findings(policy, e))]
    print(f"python {sys.version.split()[0]} on {platform.machine()} ({platform.processor() or 'cpu'})")
    print(f"innocent texts: {len(inn)}; deny-level false positives: {len(fp_deny)} "
          f"({100 * len(fp_deny) / len(inn):.1f} %); any prohibited-wording finding: {len(fp_any)}")
    for t in fp_deny:
        print("  FP:", t)
    print(f"threat evasions: {len(thr)}; found at deny level: {len(hit)} ({100 * len(hit) / len(thr):.1f} %)")
    en = ("Hi Maria, this is Sam from ABC Services, a debt collector. Your payment plan is ready: "
          "two payments of $120 on June 5 and July 5. Call 312-555-0100 weekdays. Reply STOP to opt out.")[:200]
    zh = ("【XX消费金融】尊敬的客户，我是客服专员王明，工号A1023。您的借款本期应还1200元已逾期3天，"
          "请于今日通过官方APP或拨打95555办理还款，如已还款请忽略。如有疑问请联系客服，感谢您的配合。" * 2)[:200]
    us = {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]}
    cn = {"jurisdictions": ["CN"], "timezones": ["Asia/Shanghai"]}
    reps = 3 if args.quick else 7
    n = 50 if args.quick else 200
    for label, text, acct in (("en 200-char sms", en, us), ("zh 200-char sms", zh, cn)):
        times = timeit.repeat(lambda: policy.check_message(text, channel="sms", account=acct, stage="subsequent"),
                              number=n, repeat=reps)
        print(f"check_message, {label}: median {statistics.median(times) / n * 1e6:.0f} µs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
