"""A small program using the public API, checked by `mypy --strict` in tests/test_dx_typed.py."""

from __future__ import annotations

import datetime as dt

import collectrules
from collectrules import Decision, Policy


def decide(policy: Policy, at: dt.datetime) -> Decision:
    return policy.check({"channel": "call", "at": at, "debt_id": "D1", "dialer": "manual"},
                        account={"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]}, history=[])


def main() -> int:
    policy: Policy = collectrules.load_policy(["us-federal"])
    d = decide(policy, dt.datetime(2025, 6, 2, 21, 5, tzinfo=dt.timezone(dt.timedelta(hours=-5))))
    allowed: bool = d.allowed
    rule_ids: list[str] = [v.rule_id for v in d.violations]
    nxt: dt.datetime | None = d.next_allowed_at
    text: str = d.explain()
    print(allowed, rule_ids, nxt, text.splitlines()[0])
    return 0 if allowed else 1


if __name__ == "__main__":
    raise SystemExit(main())
