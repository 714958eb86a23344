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


# ---- History.append and one-shot histories (issue #10 (3)) ----------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_days = st.integers(0, 20)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(_days, st.integers(8, 20), st.sampled_from(["no_answer", "conversation", "busy"]),
                          st.sampled_from([("D1",), ("D2",), ("D1", "D2")])), min_size=1, max_size=14))
def test_append_equals_rebuilding(regf, rows):
    """A prepared History extended by append decides every check as a History rebuilt from all
    its contacts (and as the plain list); the counter indexes are kept, not rebuilt."""
    at = "2025-06-21T14:00:00-05:00"
    h = collectrules.History()
    seen = []
    for day, hour, outcome, debts in rows:
        c = contact(f"2025-06-{day + 1:02d}T{hour:02d}:30:00-05:00", outcome, debts)
        regf.check(call(at), account=acct(), history=h)  # builds (and caches) the indexes
        h.append(c)
        seen.append(c)
        for debt in ("D1", "D2"):
            want = regf.check(call(at, debt), account=acct(), history=collectrules.History(seen)).to_dict()
            assert regf.check(call(at, debt), account=acct(), history=h).to_dict() == want
            assert regf.check(call(at, debt), account=acct(), history=list(seen)).to_dict() == want
    assert [x.at for x in h] == sorted(x.at for x in collectrules.History(seen))


def test_append_touches_one_contact_per_cached_counter(regf):
    """O(log n): appending runs each cached counter's filter on the new contact only, and the
    next check scans nothing."""
    rows = [contact(f"2025-0{1 + i // 200}-{1 + (i % 200) // 8:02d}T{8 + i % 8:02d}:00:00-05:00") for i in range(1000)]
    h = collectrules.History(rows)
    regf.check(call("2025-06-20T14:00:00-05:00"), account=acct(), history=h)
    calls = []

    def counting(pred):
        def f(c):
            calls.append(1)
            return pred(c)
        return f

    keys = list(h._index)
    assert keys
    for k in keys:
        pred, stamps = h._index[k]
        h._index[k] = (counting(pred), stamps)
    h.append(contact("2025-06-19T10:00:00-05:00"))
    assert len(calls) == len(keys)
    regf.check(call("2025-06-20T14:00:00-05:00"), account=acct(), history=h)
    assert len(calls) == len(keys)  # no rescan: every counter was already indexed
    assert len(h) == 1001


def test_append_settles_a_pending_decision_first(regf, counted):
    """A denied decision made on a prepared history answers for the history it was made on,
    even when the caller appends before reading next_allowed_at."""
    rows = [contact(f"2025-06-{d:02d}T10:00:00-05:00") for d in range(14, 20)]
    rows.append(contact("2025-06-20T09:00:00-05:00"))
    h = collectrules.History(rows)
    d = regf.check(call("2025-06-20T14:00:00-05:00"), account=acct(), history=h)
    assert not d.allowed and counted == []  # the 8th call in 7 days
    h.append(contact("2025-06-20T09:30:00-05:00", "conversation"))
    assert len(counted) == 1  # settled before the history changed
    before = regf.next_allowed(call("2025-06-20T14:00:00-05:00"), account=acct(), history=rows)
    after = regf.next_allowed(call("2025-06-20T14:00:00-05:00"), account=acct(), history=h)
    assert d.next_allowed_at == before != after  # the conversation would push it 7 days on


def test_append_refuses_malformed_contacts_and_leaves_the_history_unchanged():
    h = collectrules.History([contact("2025-06-14T10:00:00-05:00")])
    with pytest.raises(collectrules.InputError, match="at"):
        h.append({"channel": "call", "at": "2025-06-14T10:00:00", "debt_ids": ["D1"], "outcome": "busy"})
    with pytest.raises(collectrules.InputError):
        h.append("call")
    assert len(h) == 1
