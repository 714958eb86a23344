"""How long a denied check (with its next-allowed search) takes in the cases issue #9 found
slow: zone sets whose windows never intersect, and hundreds of candidate zones; plus an ordinary
denial and an ordinary allowed check for comparison. Medians of N repeats, wall clock.

    python benchmarks/bench_next_allowed.py [--quick]
"""

from __future__ import annotations

import statistics
import sys
import time

import pytz

import collectrules


def median_ms(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    repeats = 3 if "--quick" in sys.argv else 7
    shipped = collectrules.load_policy()
    many = [z for z in pytz.common_timezones if z.startswith(("America/", "Asia/", "Europe/"))][:300]
    cases = [
        ("allowed call, US-IL (shipped)", {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]},
         "2025-06-02T12:00:00-05:00"),
        ("denied 21:30, US-IL (shipped)", {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]},
         "2025-06-02T21:30:00-05:00"),
        ("denied, US-IL + CN (windows overlap)", {"jurisdictions": ["US-IL", "CN"]}, "2025-06-02T12:00:00-05:00"),
        ("denied, US + IN (never intersect, 30 zones)", {"jurisdictions": ["US", "IN"]}, "2025-06-02T12:00:00-05:00"),
        (f"denied, US with {len(many)} zones", {"jurisdictions": ["US"], "timezones": many},
         "2025-06-02T12:00:00-05:00"),
    ]
    print(f"{'case':50} {'median ms':>10}  next_allowed_at / reason")
    for name, account, at in cases:
        attempt = {"channel": "call", "at": at, "debt_id": "D1"}
        d = shipped.check(attempt, account=account)
        ms = median_ms(lambda: shipped.check(attempt, account=account), repeats)
        print(f"{name:50} {ms:10.2f}  {d.next_allowed_at or getattr(d, 'next_allowed_reason', None)}")


if __name__ == "__main__":
    main()
