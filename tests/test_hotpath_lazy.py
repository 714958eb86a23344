"""Issue #10 (1): lazy decisions. ``allowed`` first; the next-allowed search runs only when a
caller reads ``next_allowed_at`` (or what shows it), once, thread-safe; to_dict() and pickling
give what an eager decision gives."""

from __future__ import annotations

import pickle
import threading

import pytest

import collectrules
from collectrules.policy import Policy

from .conftest import acct, call, contact


@pytest.fixture
def counted(monkeypatch):
    """Counts the next-allowed searches run (Policy._search calls)."""
    calls = []
    real = Policy._search

    def spy(self, *a, **kw):
        calls.append(1)
        return real(self, *a, **kw)

    monkeypatch.setattr(Policy, "_search", spy)
    return calls


LATE = "2025-06-20T21:30:00-05:00"  # 21:30 in Chicago: Reg F's inconvenient time
NEXT = "2025-06-21T08:00:00-05:00"


def test_denied_check_that_never_reads_next_allowed_never_searches(regf, counted):
    d = regf.check(call(LATE), account=acct())
    assert d.allowed is False
    assert [v.rule_id for v in d.violations] == ["regf-inconvenient-time"]
    assert d.warnings == ()
    assert d.rulesets == ("us-federal",)
    assert "regf-inconvenient-time" in {t.rule_id for t in d.trace}
    assert counted == []  # allowed, violations, warnings, rulesets, trace: no search


def test_first_read_searches_once(regf, counted):
    d = regf.check(call(LATE), account=acct())
    assert d.next_allowed_at.isoformat() == NEXT
    assert d.next_allowed_reason is None
    assert d.next_allowed_at.isoformat() == NEXT
    d.to_dict()
    d.explain()
    assert len(counted) == 1


@pytest.mark.parametrize("reader", ["to_dict", "explain", "reason", "repr", "eq", "pickle"])
def test_every_reader_of_the_search_result_runs_it(regf, counted, reader):
    d = regf.check(call(LATE), account=acct())
    assert counted == []
    if reader == "to_dict":
        assert d.to_dict()["next_allowed_at"] == NEXT
    elif reader == "explain":
        assert f"next allowed at {NEXT}" in d.explain()
    elif reader == "reason":
        assert d.next_allowed_reason is None
    elif reader == "repr":
        assert "2025, 6, 21, 8, 0" in repr(d)
    elif reader == "eq":
        assert d == regf.check(call(LATE), account=acct())
    else:
        assert pickle.loads(pickle.dumps(d)).next_allowed_at.isoformat() == NEXT
    assert len(counted) >= 1


def test_allowed_and_opt_out_decisions_never_search(regf, counted):
    ok = regf.check(call("2025-06-20T14:00:00-05:00"), account=acct())
    assert ok.allowed and ok.next_allowed_at == ok.at and ok.next_allowed_reason is None
    off = regf.check(call(LATE), account=acct(), next_allowed=False)
    assert off.next_allowed_at is None and off.next_allowed_reason == "not computed (next_allowed=False)"
    assert counted == []


def test_concurrent_first_reads_search_once(regf, counted):
    d = regf.check(call(LATE), account=acct())
    barrier = threading.Barrier(8)
    seen = []

    def read():
        barrier.wait()
        seen.append(d.next_allowed_at)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(counted) == 1
    assert {s.isoformat() for s in seen} == {NEXT}


def test_lazy_equals_eager_and_next_allowed(regf):
    """The lazy answer is the one Policy.next_allowed gives, and waiting-cannot-help keeps its
    reason (a cease request)."""
    hist = [contact(f"2025-06-{d:02d}T10:00:00-05:00") for d in range(14, 20)]
    for at in (LATE, "2025-06-20T14:00:00-05:00", "2025-06-20T07:59:59-05:00", "2025-03-09T07:30:00-05:00"):
        d = regf.check(call(at), account=acct(), history=hist + [contact("2025-06-13T10:00:00-05:00")])
        n = regf.next_allowed(call(at), account=acct(), history=hist + [contact("2025-06-13T10:00:00-05:00")])
        assert d.next_allowed_at == n
    cease = regf.check(call("2025-06-20T14:00:00-05:00"), account=acct(cease_communication=True))
    assert not cease.allowed
    assert cease.next_allowed_at is None and cease.next_allowed_reason


def test_pickle_round_trip_equals_and_is_eager(regf):
    d = regf.check(call(LATE), account=acct(), history=[contact("2025-06-19T10:00:00-05:00", "conversation")])
    back = pickle.loads(pickle.dumps(d))
    assert back == d
    assert back.to_dict() == d.to_dict()
    assert back.explain() == d.explain()
    assert "_pending" not in back.__dict__


def test_decision_built_by_hand_keeps_its_defaults():
    import datetime as dt

    at = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    d = collectrules.Decision(allowed=True, at=at)
    assert d.next_allowed_at is None and d.next_allowed_reason is None
    d2 = collectrules.Decision(allowed=False, at=at, next_allowed_at=at, next_allowed_reason="x")
    assert (d2.next_allowed_at, d2.next_allowed_reason) == (at, "x")
    with pytest.raises(Exception):
        d2.next_allowed_at = None  # still frozen
