"""Benchmark Policy.check for Regulation F against a hand-written floor.

Run:  python benchmarks/bench_check.py [--quick]

Measures, for 0, 10, 100 and 1000 past contacts (calls about the same debt spread over the 60
days before the attempt, one conversation 10 days back):

* ``check (prepared)``: ``policy.check`` with models and a prepared :class:`collectrules.History`
  (the documented fast path for a dialer that checks many attempts per account);
* ``build inputs``: the cost of building the inputs from raw dicts (attempt, account, history);
* ``end to end (raw dicts)``: ``policy.check`` given raw JSON-like dicts (validation included);
* ``denied + next_allowed``: a denied attempt (21:30 local) whose ``next_allowed_at`` is read (the search);
* ``denied only``: the same denied check when the caller reads only ``allowed`` (no search: lazy);
* ``floor (prepared)`` / ``floor (raw dicts)``: a plain hand-written Python function doing the same
  three Regulation F checks (08:00-21:00 local hours, 7-in-7 per debt, 7 days after a conversation)
  on pre-parsed history / on raw dicts.

Each figure is the median of several repeats, in microseconds per decision.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import platform
import statistics
import sys
import timeit
import zoneinfo

import collectrules

CHI = zoneinfo.ZoneInfo("America/Chicago")
AT = dt.datetime(2025, 6, 20, 14, 0, tzinfo=CHI)


def make_history(n: int) -> list[dict]:
    """n past calls about debt D1: five in the last seven days (so the attempt is the 6th of 7),
    the rest spread over the year before, one of them a conversation 30 days back."""
    out = []
    recent = min(n, 5)
    for i in range(recent):
        out.append({"channel": "call", "at": (AT - dt.timedelta(days=i + 1, minutes=13)).isoformat(),
                    "debt_ids": ["D1"], "outcome": "no_answer"})
    older = n - recent
    for i in range(older):
        t = AT - dt.timedelta(days=8) - dt.timedelta(minutes=i * (60 * 24 * 357) // max(older, 1))
        outcome = "conversation" if i == older // 2 else ("busy" if i % 5 == 0 else "no_answer")
        out.append({"channel": "call", "at": t.isoformat(), "debt_ids": ["D1"], "outcome": outcome})
    return out


RAW_ATTEMPT = {"channel": "call", "at": AT.isoformat(), "debt_id": "D1", "dialer": "manual"}
RAW_ACCOUNT = {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]}


# --------------------------------------------------------------------------------------------
# the floor: what a careful developer would hand-write for these three rules


def _local_date(ts: float):
    return dt.datetime.fromtimestamp(ts, CHI).date()


def _day_start(d: dt.date) -> float:
    return dt.datetime(d.year, d.month, d.day, tzinfo=CHI).timestamp()


def floor_prepared(at: dt.datetime, calls: list[float], conversations: list[float]) -> bool:
    """calls/conversations: sorted timestamps of counted calls / conversations for this debt."""
    loc = at.astimezone(CHI)
    sod = loc.hour * 3600 + loc.minute * 60 + loc.second
    if not (8 * 3600 <= sod < 21 * 3600):
        return False
    d = loc.date()
    start = _day_start(d - dt.timedelta(days=6))
    end = _day_start(d + dt.timedelta(days=1))
    if bisect.bisect_left(calls, end) - bisect.bisect_left(calls, start) + 1 > 7:
        return False
    ts = at.timestamp()
    i = bisect.bisect_right(conversations, ts)
    if i and conversations[i - 1] >= start:
        return False
    return True


def floor_raw(attempt: dict, history: list[dict]) -> bool:
    at = dt.datetime.fromisoformat(attempt["at"])
    calls, convs = [], []
    for c in history:
        if c["channel"] != "call" or attempt["debt_id"] not in c["debt_ids"]:
            continue
        ts = dt.datetime.fromisoformat(c["at"]).timestamp()
        if c.get("direction", "outbound") == "outbound" and c["outcome"] not in ("busy", "not_connected"):
            calls.append(ts)
        if c["outcome"] == "conversation":
            convs.append(ts)
    calls.sort()
    convs.sort()
    return floor_prepared(at, calls, convs)


# --------------------------------------------------------------------------------------------


def median_us(fn, number: int, repeat: int) -> float:
    times = timeit.repeat(fn, number=number, repeat=repeat)
    return statistics.median(times) / number * 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    args = ap.parse_args()
    repeat = 3 if args.quick else 7
    policy = collectrules.load_policy(["us-federal"])
    print(f"python {platform.python_version()} on {platform.machine()} ({platform.processor() or 'cpu'}), "
          f"{platform.system()} {platform.release()}")
    print(f"{'contacts':>8} | {'check (prepared)':>16} | {'build inputs':>12} | {'end to end (raw)':>16} | "
          f"{'floor (prepared)':>16} | {'floor (raw)':>11} | {'e2e / floor raw':>15} | {'prep / floor':>12} | "
          f"{'denied+next':>11} | {'denied only':>11}")
    for n in (0, 10, 100, 1000):
        raw_hist = make_history(n)
        attempt = collectrules.ContactAttempt.model_validate(RAW_ATTEMPT)
        account = collectrules.Account.model_validate(RAW_ACCOUNT)
        history = collectrules.History(raw_hist)
        d_fast = policy.check(attempt, account=account, history=history)
        d_raw = policy.check(RAW_ATTEMPT, account=RAW_ACCOUNT, history=raw_hist)
        assert d_fast.allowed == d_raw.allowed == floor_raw(RAW_ATTEMPT, raw_hist), n
        calls = sorted(dt.datetime.fromisoformat(c["at"]).timestamp() for c in raw_hist
                       if c["outcome"] not in ("busy", "not_connected"))
        convs = sorted(dt.datetime.fromisoformat(c["at"]).timestamp() for c in raw_hist if c["outcome"] == "conversation")
        number = 2000 if n <= 100 else 200
        t_fast = median_us(lambda: policy.check(attempt, account=account, history=history), number * 2, repeat)
        t_build = median_us(lambda: (collectrules.ContactAttempt.model_validate(RAW_ATTEMPT),
                                     collectrules.Account.model_validate(RAW_ACCOUNT),
                                     collectrules.History(raw_hist)), number, repeat)
        t_e2e = median_us(lambda: policy.check(RAW_ATTEMPT, account=RAW_ACCOUNT, history=raw_hist), number, repeat)
        t_floor_p = median_us(lambda: floor_prepared(AT, calls, convs), number * 5, repeat)
        t_floor_r = median_us(lambda: floor_raw(RAW_ATTEMPT, raw_hist), number, repeat)
        late = attempt.model_copy(update={"at": AT.replace(hour=21, minute=30)})
        assert not policy.check(late, account=account, history=history).allowed
        # the search runs when the caller reads next_allowed_at (lazy decisions): read it here
        t_denied = median_us(lambda: policy.check(late, account=account, history=history).next_allowed_at,
                             number, repeat)
        t_denied_lazy = median_us(lambda: policy.check(late, account=account, history=history).allowed,
                                  number, repeat)
        print(f"{n:>8} | {t_fast:>13.1f} µs | {t_build:>9.1f} µs | {t_e2e:>13.1f} µs | {t_floor_p:>13.1f} µs | "
              f"{t_floor_r:>8.1f} µs | {t_e2e / t_floor_r:>14.2f}x | {t_fast / t_floor_p:>11.2f}x | {t_denied:>8.1f} µs | "
              f"{t_denied_lazy:>8.1f} µs")
    shipped = collectrules.load_policy()
    account = collectrules.Account.model_validate(RAW_ACCOUNT)
    attempt = collectrules.ContactAttempt.model_validate(RAW_ATTEMPT)
    for n in (0, 1000):
        history = collectrules.History(make_history(n))
        t = median_us(lambda: shipped.check(attempt, account=account, history=history), 4000, repeat)
        print(f"all {len(shipped.rulesets)} shipped rulesets, {n} contacts, prepared: {t:.1f} µs")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
