"""Issue #8, "Counting and exceptions": per-account counter keys (the debt id merged through
``Account.debt_groups``) versus per-borrower (the whole history)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import collectrules

CHI = ZoneInfo("America/Chicago")

HOUSE = """
id: test-counting
title: per-account and per-borrower caps (test)
jurisdiction: US
source: https://example.org/house
version: "1"
rules:
  - id: per-borrower-3-in-7
    kind: frequency_cap
    citation: house
    status: confirmed
    max: 3
    window: {rolling_days: 7}
    per: [borrower]
    count: {channels: [call, sms, email]}
  - id: per-account-2-in-7
    kind: frequency_cap
    citation: house
    status: confirmed
    max: 2
    window: {rolling_days: 7}
    per: [account]
    count: {channels: [call, sms, email]}
  - id: default-per-3-in-7
    kind: frequency_cap
    citation: house
    status: confirmed
    max: 3
    window: {rolling_days: 7}
    count: {channels: [call, sms, email]}
"""


@pytest.fixture(scope="module")
def house(tmp_path_factory):
    p = tmp_path_factory.mktemp("house") / "house.yaml"
    p.write_text(HOUSE)
    return collectrules.load_policy([str(p)])


ACCT = {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]}
DEBTS = ["A", "B", "C", "D"]


def _at(day: int, minute: int) -> dt.datetime:
    # 2025-03-03 .. spans the 2025-03-09 spring-forward day
    return dt.datetime(2025, 3, 3, 9, 0, tzinfo=CHI) + dt.timedelta(days=day, minutes=minute)


def _ids(d):
    return {v.rule_id for v in d.violations}


def test_default_per_is_the_whole_history(house):
    hist = [{"channel": "call", "at": _at(i, 0).isoformat(), "debt_ids": [d], "outcome": "no_answer"}
            for i, d in enumerate("ABC")]
    d = house.check({"channel": "call", "dialer": "manual", "at": _at(3, 0).isoformat(), "debt_id": "D"},
                    account=ACCT, history=hist)
    # per-borrower and the default both count A, B, C; per-account counts none of them for D
    assert _ids(d) == {"per-borrower-3-in-7", "default-per-3-in-7"}


def test_three_contacts_about_a_card_do_not_block_the_first_loan_call(house):
    hist = [{"channel": "call", "at": _at(i, 0).isoformat(), "debt_ids": ["card"], "outcome": "no_answer"}
            for i in range(2)]
    card = house.check({"channel": "call", "dialer": "manual", "at": _at(2, 0).isoformat(), "debt_id": "card"},
                       account=ACCT, history=hist)
    loan = house.check({"channel": "call", "dialer": "manual", "at": _at(2, 0).isoformat(), "debt_id": "loan"},
                       account=ACCT, history=hist)
    assert "per-account-2-in-7" in _ids(card)
    assert loan.allowed
    grouped = house.check({"channel": "call", "dialer": "manual", "at": _at(2, 0).isoformat(), "debt_id": "loan"},
                          account={**ACCT, "debt_groups": [["card", "loan"]]}, history=hist)
    assert "per-account-2-in-7" in _ids(grouped)


contacts = st.lists(st.tuples(st.integers(0, 13), st.integers(0, 600), st.sampled_from(DEBTS)),
                    min_size=0, max_size=10)


@settings(max_examples=60, deadline=None)
@given(rows=contacts, day=st.integers(0, 14), debt=st.sampled_from(DEBTS), relabel=st.lists(
    st.sampled_from(DEBTS), min_size=10, max_size=10))
def test_splitting_contacts_across_accounts_never_changes_a_per_borrower_rule(house, rows, day, debt, relabel):
    """The same contacts labelled with other debts: a per-borrower rule (and the default) decides
    the same; splitting never turns its allow into a deny."""
    a = {"channel": "call", "dialer": "manual", "at": _at(day, 700).isoformat(), "debt_id": debt}
    one = [{"channel": "call", "at": _at(d, m).isoformat(), "debt_ids": ["A"], "outcome": "no_answer"}
           for d, m, _x in rows if _at(d, m) < _at(day, 700)]
    split = [{**c, "debt_ids": [relabel[i]]} for i, c in enumerate(one)]
    d1 = house.check(a, account=ACCT, history=one, next_allowed=False)
    d2 = house.check(a, account=ACCT, history=split, next_allowed=False)
    for rule in ("per-borrower-3-in-7", "default-per-3-in-7"):
        assert (rule in _ids(d1)) == (rule in _ids(d2))


@settings(max_examples=40, deadline=None)
@given(proposals=st.lists(st.tuples(st.integers(0, 20), st.integers(0, 600), st.sampled_from(DEBTS)),
                          min_size=1, max_size=25),
       groups=st.sampled_from([[], [["A", "B"]], [["A", "B"], ["B", "C"]], [["C", "D"]]]))
def test_a_dialer_that_obeys_never_exceeds_a_per_account_or_per_borrower_cap(house, proposals, groups):
    """Propose attempts in time order, make the allowed ones: no account (debt group) ever has
    more than 2, and the consumer more than 3, contacts on 7 consecutive local dates (counted
    here by brute force, independently of the engine)."""
    acct = {**ACCT, "debt_groups": groups}
    parent = {d: d for d in DEBTS}
    for g in groups:  # merge groups that share a debt
        root = min(parent[x] for x in g)
        for x in list(parent):
            if parent[x] in {parent[y] for y in g}:
                parent[x] = root
    made: list[tuple[dt.datetime, str]] = []
    for day, minute, debt in sorted(proposals):
        at = _at(day, minute)
        if made and at <= made[-1][0]:
            continue
        hist = [{"channel": "call", "at": t.isoformat(), "debt_ids": [x], "outcome": "no_answer"} for t, x in made]
        d = house.check({"channel": "call", "dialer": "manual", "at": at.isoformat(), "debt_id": debt},
                        account=acct, history=hist, next_allowed=False)
        if d.allowed:
            made.append((at, debt))
    for t, debt in made:
        lo = t.astimezone(CHI).date() - dt.timedelta(days=6)
        window = [(u, x) for u, x in made if lo <= u.astimezone(CHI).date() <= t.astimezone(CHI).date()]
        assert len(window) <= 3
        assert sum(1 for _u, x in window if parent[x] == parent[debt]) <= 2


# -- Regulation F: one reply to a consumer-initiated communication inside a designated time ------


@pytest.fixture(scope="module")
def regf():
    return collectrules.load_policy(["us-federal"])


EVENINGS = {**ACCT, "inconvenient_times": [{"start": "17:00", "end": "21:00"}]}


@settings(max_examples=40, deadline=None)
@given(events=st.lists(st.tuples(st.integers(0, 299), st.sampled_from(["in", "try"])), min_size=1, max_size=12))
def test_at_most_one_reply_per_consumer_message_inside_the_designated_time(regf, events):
    """Inbound texts and proposed replies between 16:00 and 20:59 on one evening (inside Reg F's
    08:00-21:00, so only the designated 17:00-21:00 can deny): a dialer that
    sends every allowed reply never sends two in a row inside 17:00-21:00 without a new inbound
    text in between, and never replies inside the window to nothing."""
    base = dt.datetime(2025, 6, 2, 16, 0, tzinfo=CHI)
    hist: list[dict] = []
    last = None
    for minute, what in sorted(events):
        t = base + dt.timedelta(minutes=minute, seconds=len(hist))
        if last is not None and t <= last:
            continue
        last = t
        if what == "in":
            hist.append({"channel": "sms", "at": t.isoformat(), "debt_ids": ["D1"], "direction": "inbound",
                         "outcome": "delivered"})
            continue
        d = regf.check({"channel": "sms", "dialer": "manual", "at": t.isoformat(), "debt_id": "D1"},
                       account=EVENINGS, history=hist, next_allowed=False)
        in_window = dt.time(17) <= t.time() < dt.time(21)
        if not in_window:
            assert d.allowed
        else:
            prev = hist[-1] if hist else None
            # allowed exactly when the latest contact is the consumer's own text inside the window
            expected = (prev is not None and prev.get("direction") == "inbound"
                        and dt.time(17) <= dt.datetime.fromisoformat(prev["at"]).time())
            assert d.allowed == expected
        if d.allowed:
            hist.append({"channel": "sms", "at": t.isoformat(), "debt_ids": ["D1"], "outcome": "delivered"})


def test_next_allowed_finds_the_reply_opened_by_a_later_consumer_text(regf):
    hist = [{"channel": "sms", "at": "2025-06-02T18:02:00-05:00", "debt_ids": ["D1"], "direction": "inbound",
             "outcome": "delivered"}]
    a = {"channel": "sms", "dialer": "manual", "at": "2025-06-02T17:30:00-05:00", "debt_id": "D1"}
    d = regf.check(a, account=EVENINGS, history=hist)
    assert not d.allowed
    assert d.next_allowed_at == dt.datetime.fromisoformat("2025-06-02T18:02:00-05:00")
    # a call is another medium: the text opens no reply by call, the window's end is 21:00 and
    # Reg F's hours then move it to 08:00
    call = regf.check({**a, "channel": "call"}, account=EVENINGS, history=hist)
    assert call.next_allowed_at == dt.datetime.fromisoformat("2025-06-03T08:00:00-05:00")
