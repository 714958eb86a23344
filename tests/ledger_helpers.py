"""Shared pieces of the ledger tests: backends, a simulated clock shared by processes, workers
and an independent reading of the caps the acceptance tests check."""

from __future__ import annotations

import datetime as dt
import functools
import random
import time
from collections import defaultdict

import pytz

import collectrules
from collectrules import LedgerError, open_ledger

NY = pytz.timezone("America/New_York")
#: a Monday; the simulated clock starts here
BASE = NY.localize(dt.datetime(2025, 6, 2, 0, 0))
#: simulated seconds per real second: two days a second, so a run of a few seconds spans weeks
SPEED = 2 * 86400
RULESETS = ["us-federal", "us-ma"]
DEBTS = ("D1", "D2", "D3")


@functools.lru_cache(maxsize=None)
def policy():
    """The policy, loaded once; worker processes forked after the first call inherit it."""
    return collectrules.load_policy(RULESETS)


def account(aid: str) -> dict:
    return {"jurisdictions": ["US-MA"], "timezones": ["America/New_York"], "account_id": aid}


class SimClock:
    """base + (real time since t0) x SPEED: every process computes the same instant."""

    def __init__(self, t0: float):
        self.t0 = t0

    def __call__(self) -> dt.datetime:
        return BASE + dt.timedelta(seconds=(time.time() - self.t0) * SPEED)


def worker(url: str, seed: int, n: int, t0: float, accounts: list[str], options: dict) -> list[tuple]:
    """n reservations on random accounts, completed with random outcomes (some cancelled, some
    abandoned to expire). Returns one clear result per reservation."""
    pol = policy()
    rnd = random.Random(seed)
    clock = SimClock(t0)
    out = []
    with open_ledger(url, clock=clock, clock_tolerance=dt.timedelta(days=3650), **options) as ledger:
        for i in range(n):
            aid = rnd.choice(accounts)
            attempt = {"channel": rnd.choice(("call", "call", "sms")), "at": clock(), "debt_id": rnd.choice(DEBTS)}
            try:
                r = ledger.reserve(pol, attempt, account=account(aid), hold=dt.timedelta(days=1),
                                   idempotency_key=f"w{seed}-{i}" if i % 4 == 0 else None)
            except LedgerError as exc:
                out.append(("error", aid, None, str(exc)))
                continue
            if not r.allowed:
                out.append(("denied", aid, None, None))
                continue
            x = rnd.random()
            if x < 0.1:
                try:
                    ledger.cancel(r.reservation_id)
                except LedgerError as exc:  # waited past the hold on a loaded machine: stays counted
                    assert "expired" in str(exc)
                    out.append(("abandoned", aid, r.reservation_id, None))
                    continue
                out.append(("cancelled", aid, r.reservation_id, None))
            elif x < 0.15:
                out.append(("abandoned", aid, r.reservation_id, None))
            else:
                outcome = rnd.choice(("no_answer", "voicemail", "conversation", "busy", "delivered"))
                ledger.complete(r.reservation_id, outcome)
                out.append(("completed", aid, r.reservation_id, outcome))
    return out


def cap_violations(contacts) -> list[str]:
    """An independent reading of the caps that bind here (not the evaluator's code): per debt,
    at most 2 calls/texts in any 7 local dates (209 CMR 18.16(1)(d)) and at most 7 calls in 7
    local dates (12 CFR 1006.14(b)(2)(i)(A)), busy and not-connected calls not counted, an
    unknown outcome counted."""
    by_debt: dict[str, list] = defaultdict(list)
    for c in contacts:
        if c.outcome in ("busy", "not_connected") or c.direction != "outbound":
            continue
        by_debt[c.debt_ids[0]].append(c)
    problems = []
    for debt, cs in by_debt.items():
        dates = [c.at.astimezone(NY).date() for c in cs]
        for d in sorted(set(dates)):
            lo = d - dt.timedelta(days=6)
            ma = sum(1 for c, x in zip(cs, dates) if lo <= x <= d and c.channel in ("call", "sms", "voicemail"))
            regf = sum(1 for c, x in zip(cs, dates) if lo <= x <= d and c.channel == "call")
            if ma > 2:
                problems.append(f"{debt}: {ma} calls/texts in the 7 dates to {d} (MA max 2)")
            if regf > 7:
                problems.append(f"{debt}: {regf} calls in the 7 dates to {d} (Reg F max 7)")
    return problems


def recheck(policy, contacts, aid: str) -> list[str]:
    """Every counted contact, re-decided by the evaluator against every contact before it in the
    ledger: a race (two reservations deciding on the same stale history) shows up here."""
    problems = []
    for i, c in enumerate(contacts):
        if c.direction != "outbound":
            continue  # recorded inbound contacts are facts, not decisions
        d = policy.check({"channel": c.channel, "at": c.at, "debt_id": c.debt_ids[0]}, account=account(aid),
                         history=contacts[:i], next_allowed=False)
        if not d.allowed:
            problems.append(f"{aid} #{i} {c.channel} {c.at}: {[v.rule_id for v in d.violations]}")
    return problems
