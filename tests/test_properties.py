"""Properties that must hold for every input (hypothesis):

* adding history never turns a denial into an allow — except that the consumer's own
  communication inside a time they designated inconvenient opens one reply (Reg F comment
  6(b)(1)-2), the only way an inbound contact can allow;
* ``next_allowed_at``, when returned, is allowed, and no sampled earlier instant is;
* permuting an account's zones changes nothing.
"""

import datetime as dt

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import collectrules

UTC = dt.timezone.utc
BASE = dt.datetime(2025, 3, 1, tzinfo=UTC)  # spans the US spring-forward change
ZONES = ["America/New_York", "America/Chicago", "America/Los_Angeles", "America/Phoenix",
         "Asia/Kolkata", "America/St_Johns"]

POLICY = collectrules.load_policy(["us-federal", "us-ma"])

instants = st.integers(min_value=0, max_value=40 * 86400).map(lambda s: BASE + dt.timedelta(seconds=s))


@st.composite
def contacts(draw):
    return {
        "channel": draw(st.sampled_from(["call", "call", "call", "sms", "email", "voicemail", "visit"])),
        "at": draw(instants),
        "debt_ids": draw(st.sampled_from([["D1"], ["D2"], ["D1", "D2"]])),
        "direction": draw(st.sampled_from(["outbound", "outbound", "inbound"])),
        "outcome": draw(st.sampled_from(["no_answer", "voicemail", "conversation", "busy", "not_connected",
                                         "delivered"])),
        "recipient": draw(st.sampled_from(["borrower", "borrower", "attorney", "co_borrower"])),
        "place": draw(st.sampled_from(["personal", "personal", "workplace"])),
    }


@st.composite
def accounts(draw):
    zones = draw(st.lists(st.sampled_from(ZONES), min_size=1, max_size=3, unique=True))
    acct = {
        "jurisdictions": [draw(st.sampled_from(["US-MA", "US-IL", "US"]))],
        "timezones": zones,
        "collector_type": draw(st.sampled_from(["third_party", "first_party", "debt_buyer"])),
    }
    if draw(st.booleans()):
        s = draw(st.integers(0, 23))
        e = draw(st.integers(0, 23))
        acct["inconvenient_times"] = [{"start": f"{s:02d}:00", "end": f"{e:02d}:30"}]
    return acct


@st.composite
def attempts(draw):
    a = {
        "channel": draw(st.sampled_from(["call", "sms", "email", "voicemail", "visit", "letter"])),
        "at": draw(instants),
        "debt_id": draw(st.sampled_from(["D1", "D2"])),
        "recipient": draw(st.sampled_from(["borrower", "borrower", "co_borrower"])),
        "place": draw(st.sampled_from(["personal", "personal", "workplace"])),
    }
    if draw(st.integers(0, 5)) == 0:
        a["consent_given_at"] = a["at"] - dt.timedelta(hours=draw(st.integers(0, 240)))
    return a


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(attempts(), accounts(), st.lists(contacts(), max_size=15), st.lists(contacts(), min_size=1, max_size=10))
def test_more_history_never_turns_a_denial_into_an_allow(attempt, account, history, extra):
    before = POLICY.check(attempt, account=account, history=history, next_allowed=False)
    assume(not before.allowed)
    after = POLICY.check(attempt, account=account, history=history + extra, next_allowed=False)
    if after.allowed:
        # only the reply-once exception: a consumer's communication was added, and the only
        # denial before was the consumer-designated inconvenient time
        assert any(c["direction"] == "inbound" and c["channel"] == attempt["channel"] for c in extra)
        assert {v.rule_id for v in before.violations} == {"regf-consumer-inconvenient-times"}
    outbound_only = [c for c in extra if c["direction"] == "outbound"]
    assert not POLICY.check(attempt, account=account, history=history + outbound_only, next_allowed=False).allowed


@SETTINGS
@given(attempts(), accounts(), st.lists(contacts(), max_size=15), st.lists(st.floats(0, 1), min_size=5, max_size=25))
def test_next_allowed_is_allowed_and_nothing_earlier_is(attempt, account, history, fractions):
    d = POLICY.check(attempt, account=account, history=history)
    if d.allowed:
        assert d.next_allowed_at == d.at
        return
    nxt = d.next_allowed_at
    if nxt is None:
        return
    assert nxt > d.at
    moved = dict(attempt, at=nxt)
    assert POLICY.check(moved, account=account, history=history, next_allowed=False).allowed
    span = nxt - d.at
    samples = [d.at + span * f for f in fractions] + [nxt - dt.timedelta(microseconds=1)]
    for s in samples:
        if s >= nxt:
            continue
        earlier = POLICY.check(dict(attempt, at=s), account=account, history=history, next_allowed=False)
        assert not earlier.allowed, (s, nxt)


@SETTINGS
@given(attempts(), accounts(), st.lists(contacts(), max_size=10), st.randoms())
def test_zone_order_changes_nothing(attempt, account, history, rnd):
    shuffled = dict(account, timezones=rnd.sample(account["timezones"], len(account["timezones"])))
    a = POLICY.check(attempt, account=account, history=history).to_dict()
    b = POLICY.check(attempt, account=shuffled, history=history).to_dict()
    assert a == b


@SETTINGS
@given(attempts(), accounts(), st.lists(contacts(), max_size=15))
def test_prepared_history_equals_list_history(attempt, account, history):
    a = POLICY.check(attempt, account=account, history=history).to_dict()
    b = POLICY.check(attempt, account=account, history=collectrules.History(history)).to_dict()
    assert a == b
