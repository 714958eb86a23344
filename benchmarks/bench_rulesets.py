"""What the round-2 rulesets cost a check: ``Policy.check`` for an Illinois account (one more
ruleset applies: ``us-il``) and a Massachusetts account (none of the new ones applies) with
(a) Regulation F only, (b) the 30 round-1 rulesets, (c) every shipped ruleset.
Runs the three interleaved in one process (so machine load hits them alike) and prints medians
in microseconds per prepared check, and the ratio (c)/(b).

    python benchmarks/bench_rulesets.py [--quick]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import timeit

import collectrules
from collectrules.ruleset.loader import shipped_index

#: the rulesets added by issue #17 (round 2)
ROUND2 = {"jp-kashikin", "kr-collection", "th-debt-collection-act", "vn-sbv-finance-companies", "co-ley-2300",
          "mx-condusef", "br-sp-lei-15426", "br-al-lei-7782", "ie-cca-1995", "ie-cbi-cpc-arrears", "nl-wki-bki",
          "it-garante-recupero-crediti", "us-co", "us-il", "us-il-cfa", "us-pa", "us-wv", "us-or", "us-tn", "us-nv", "us-wi",
          "us-md", "us-la", "us-nc", "in-trai-1600"}

CASES = {
    "US-IL": ({"channel": "call", "at": "2025-06-10T12:00:00-05:00", "debt_id": "D1"},
              {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]}),
    # no round-2 ruleset applies in Massachusetts: what the extra, inapplicable rulesets cost
    "US-MA": ({"channel": "call", "at": "2025-06-10T12:00:00-04:00", "debt_id": "D1"},
              {"jurisdictions": ["US-MA"], "timezones": ["America/New_York"]}),
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    repeat, number = (5, 2000) if args.quick else (9, 4000)
    index = shipped_index()
    round1 = [str(p) for rid, p in index.items() if rid not in ROUND2]
    policies = {"reg F only": collectrules.load_policy(["us-federal"]),
                f"round 1 ({len(round1)})": collectrules.load_policy(round1),
                f"all shipped ({len(index)})": collectrules.load_policy()}
    history = collectrules.History([
        {"channel": "call", "at": f"2025-06-0{d}T10:00:00-05:00", "debt_ids": ["D1"], "outcome": "no_answer"}
        for d in range(3, 9)])
    print(f"python {platform.python_version()}, {platform.system()} {platform.release()}; medians of {repeat}")
    for where, (raw_attempt, raw_account) in CASES.items():
        attempt = collectrules.ContactAttempt.model_validate(raw_attempt)
        account = collectrules.Account.model_validate(raw_account)
        times: dict[str, list[float]] = {k: [] for k in policies}
        for _ in range(repeat):
            for name, pol in policies.items():
                fn = lambda pol=pol: pol.check(attempt, account=account, history=history)  # noqa: E731
                times[name].append(timeit.timeit(fn, number=number) / number * 1e6)
        med = {k: statistics.median(v) for k, v in times.items()}
        names = list(policies)
        print(f"{where}: " + "; ".join(f"{k}: {med[k]:.1f} µs" for k in names)
              + f"; all / round 1 = {med[names[2]] / med[names[1]]:.2f}x")


if __name__ == "__main__":
    main()
