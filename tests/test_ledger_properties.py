"""Hypothesis properties of the ledger (in-memory SQLite: the logic is backend-neutral; the
backends are exercised by test_ledger.py and the concurrency tests)."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectrules import open_ledger

from .ledger_helpers import BASE, account, cap_violations, policy, recheck

POLICY = policy()

op = st.tuples(
    st.sampled_from(["reserve", "reserve", "reserve", "record"]),
    st.integers(min_value=0, max_value=36 * 60),          # minutes to advance the clock (up to 36 h)
    st.sampled_from(["call", "call", "sms", "voicemail", "letter"]),
    st.sampled_from(["D1", "D2"]),
    st.sampled_from(["complete", "cancel", "abandon"]),
    st.sampled_from(["no_answer", "voicemail", "conversation", "busy", "not_connected", "delivered"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(op, min_size=1, max_size=40))
def test_any_sequence_of_operations_keeps_every_cap(ops):
    now = [BASE]
    with open_ledger("sqlite://", clock=lambda: now[0]) as led:
        for kind, minutes, channel, debt, after, outcome in ops:
            now[0] = now[0] + dt.timedelta(minutes=minutes)
            if kind == "record":
                led.record("P1", {"channel": channel, "at": now[0], "debt_ids": [debt], "outcome": outcome,
                                  "direction": "inbound"})
                continue
            attempt = {"channel": channel, "at": now[0], "debt_id": debt}
            # differential: the ledger decides exactly as the evaluator does with its whole history
            expected = POLICY.check(attempt, account=account("P1"), history=led.history("P1"))
            r = led.reserve(POLICY, attempt, account=account("P1"), hold=dt.timedelta(minutes=30))
            assert r.allowed == expected.allowed
            assert r.decision.violations == expected.violations
            assert r.decision.next_allowed_at == expected.next_allowed_at
            assert (r.reservation_id is not None) == r.allowed
            if not r.allowed:
                assert r.decision.violations
                continue
            if after == "complete":
                led.complete(r.reservation_id, outcome)
            elif after == "cancel":
                led.cancel(r.reservation_id)
        hist = led.history("P1")
        outbound = [c for c in hist if c.direction == "outbound"]
        assert cap_violations(outbound) == []
        # every outbound contact is one the evaluator allows after everything before it
        assert recheck(POLICY, hist, "P1") == []
        assert all(c.at <= now[0] for c in hist)
        assert led.verify() == (True, None)


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=2, max_value=12), st.data())
def test_any_single_edit_is_found_at_its_row(n, data):
    at = BASE.replace(hour=10)
    with open_ledger("sqlite://", clock=lambda: at) as led:
        for i in range(n):
            led.reserve(POLICY, {"channel": "letter", "at": at, "debt_id": "D1"}, account=account(f"E{i % 2}"))
        conn = led._b.conn
        rows = conn.execute("SELECT id, row FROM cr_log ORDER BY id").fetchall()
        rid, text = rows[data.draw(st.integers(min_value=0, max_value=len(rows) - 1))]
        row = json.loads(text)
        key = data.draw(st.sampled_from(sorted(k for k in row if k not in ("v",))))
        row[key] = "tampered"
        conn.execute("UPDATE cr_log SET row = ? WHERE id = ?", (json.dumps(row, sort_keys=True, separators=(",", ":")), rid))
        ok, bad = led.verify()
        assert not ok and bad.row_id == rid


_values = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8), st.floats(allow_nan=True),
                    st.sampled_from(["call", "sms", "2025-06-02T10:00:00-04:00", "2025-06-02T10:00:00", "US-MA",
                                     "America/New_York", "D1", "no_answer", "unknown"]))
_dicts = st.dictionaries(st.sampled_from(["channel", "at", "debt_id", "debt_ids", "outcome", "jurisdictions",
                                          "timezones", "account_id", "recipient", "x"]),
                         st.one_of(_values, st.lists(_values, max_size=3)), max_size=6)


@settings(max_examples=120, deadline=None)
@given(attempt=st.one_of(_dicts, _values), account_=st.one_of(_dicts, _values),
       history=st.one_of(st.lists(_dicts, max_size=3), _values),
       hold=st.one_of(st.none(), st.integers(), st.timedeltas(min_value=dt.timedelta(seconds=-5),
                                                              max_value=dt.timedelta(days=2))),
       key=st.one_of(st.none(), st.text(max_size=300), st.integers()))
def test_malformed_requests_raise_input_error_only(attempt, account_, history, hold, key):
    """Whatever arrives, reserve either decides or raises InputError: never another exception,
    never a partial write."""
    from collectrules import InputError

    with open_ledger("sqlite://", clock=lambda: BASE) as led:
        try:
            led.reserve(POLICY, attempt, account=account_, history=history, hold=hold, idempotency_key=key)
        except InputError:
            assert list(led.log_rows()) == []
