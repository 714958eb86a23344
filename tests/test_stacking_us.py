"""Stacking of the shipped US rulesets through ``collectrules.load_policy()`` (all shipped
rulesets): federal Regulation F + state + city rules, each selected by the account's
jurisdiction, collector type and the attempt's local date."""

from __future__ import annotations

import datetime as _dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import collectrules

NY = "America/New_York"


@pytest.fixture(scope="module")
def policy():
    return collectrules.load_policy()


def _ids(d, which="violations"):
    return {v.rule_id for v in getattr(d, which)}


def _call(at: str, debt="D1", **kw):
    # manually dialled (an unstated dialer gets the TCPA autodialer reading)
    return {"channel": "call", "at": at, "debt_id": debt, "dialer": "manual", **kw}


def _hist(*rows):
    return [{"channel": ch, "at": at, "debt_ids": [debt], "outcome": outcome} for ch, at, debt, outcome in rows]


NYC = {"jurisdictions": ["US-NY-NYC"], "timezones": [NY]}


def test_nyc_account_gets_federal_state_and_city(policy) -> None:
    d = policy.check(_call("2026-09-10T12:00:00-04:00"), account=NYC, history=[])
    assert d.allowed
    assert {"us-federal", "us-ny", "us-ny-nyc"} <= set(d.rulesets)


def test_nyc_before_2026_09_01_old_twice_in_seven(policy) -> None:
    # two contacts on two different debts and media: Reg F (per debt, calls only) and NY DFS
    # (per debt) allow a third call; the older NYC rule (twice in seven days, per account) denies
    hist = _hist(("call", "2026-08-20T10:00:00-04:00", "D1", "no_answer"),
                 ("letter", "2026-08-22T10:00:00-04:00", "D2", "delivered"))
    d = policy.check(_call("2026-08-25T10:00:00-04:00"), account=NYC, history=hist)
    assert not d.allowed
    assert _ids(d) == {"nyc-contacts-2-in-7-before-2026-09"}
    # the earliest allowed instant: the first contact's day leaves the 7-day window
    assert d.next_allowed_at == _dt.datetime.fromisoformat("2026-08-27T08:00:00-04:00")


def test_nyc_after_2026_09_01_three_in_seven_across_channels(policy) -> None:
    # D1, D2 and D3 are debt ids of one account (the 2026 rule counts per account)
    acct = {**NYC, "written_consent_channels": ["email", "sms"], "debt_groups": [["D1", "D2", "D3"]]}
    two = _hist(("call", "2026-09-04T10:00:00-04:00", "D1", "no_answer"),
                ("email", "2026-09-06T10:00:00-04:00", "D2", "delivered"))
    third = policy.check(_call("2026-09-08T10:00:00-04:00"), account=acct, history=two)
    assert third.allowed, third.violations  # the old rule would have denied this one
    three = two + _hist(("letter", "2026-09-08T10:00:00-04:00", "D1", "delivered"))
    fourth = policy.check({"channel": "sms", "at": "2026-09-09T12:00:00-04:00", "debt_id": "D3", "dialer": "manual"},
                          account=acct, history=three)
    assert not fourth.allowed
    assert _ids(fourth) == {"nyc-contacts-3-in-7"}
    assert fourth.next_allowed_at == _dt.datetime.fromisoformat("2026-09-11T08:00:00-04:00")
    # the same contacts about another account of the consumer do not count toward this one
    other = policy.check({"channel": "sms", "at": "2026-09-09T12:00:00-04:00", "debt_id": "D3", "dialer": "manual"},
                         account={**acct, "debt_groups": [["D1", "D2"]]}, history=three)
    assert other.allowed, other.violations


def test_nyc_rule_change_at_midnight(policy) -> None:
    hist = _hist(("call", "2026-08-28T10:00:00-04:00", "D1", "no_answer"),
                 ("call", "2026-08-29T10:00:00-04:00", "D1", "no_answer"))
    late = policy.check(_call("2026-08-31T20:59:59-04:00"), account=NYC, history=hist)
    assert not late.allowed and _ids(late) == {"nyc-contacts-2-in-7-before-2026-09"}
    # Reg F's 08:00 opening on 2026-09-01, when the new 3-in-7 rule allows the third call
    assert late.next_allowed_at == _dt.datetime.fromisoformat("2026-09-01T08:00:00-04:00")
    assert policy.check(_call("2026-09-01T08:00:00-04:00"), account=NYC, history=hist).allowed


def test_nyc_creditor_gets_city_rule_only(policy) -> None:
    acct = {**NYC, "collector_type": "first_party"}
    hist = _hist(*[("call", f"2026-09-0{i}T10:00:00-04:00", "D1", "no_answer") for i in (4, 5, 6)])
    d = policy.check(_call("2026-09-07T22:30:00-04:00"), account=acct, history=hist)
    assert not d.allowed
    assert _ids(d) == {"nyc-contacts-3-in-7"}  # no Reg F hours: a creditor is outside Reg F
    assert "us-ny-nyc" in d.rulesets and "us-federal" not in d.rulesets


def test_nyc_email_needs_written_consent_state_and_city(policy) -> None:
    d = policy.check({"channel": "email", "at": "2026-09-10T12:00:00-04:00", "debt_id": "D1", "dialer": "manual"}, account=NYC)
    assert not d.allowed
    assert _ids(d) == {"ny-electronic-written-consent", "nyc-electronic-written-consent"}
    ok = policy.check({"channel": "email", "at": "2026-09-10T12:00:00-04:00", "debt_id": "D1", "dialer": "manual"},
                      account={**NYC, "written_consent_channels": ["email"]})
    assert ok.allowed


def test_ny_state_fourth_call_on_a_debt_denied_where_reg_f_allows(policy) -> None:
    acct = {"jurisdictions": ["US-NY"], "timezones": [NY]}
    hist = _hist(("call", "2025-06-02T10:00:00-04:00", "D1", "no_answer"),
                 ("call", "2025-06-03T10:00:00-04:00", "D1", "no_answer"),
                 ("call", "2025-06-04T10:00:00-04:00", "D1", "voicemail"))
    d = policy.check(_call("2025-06-05T10:00:00-04:00"), account=acct, history=hist)
    assert not d.allowed and _ids(d) == {"ny-attempted-calls-7-days"}


def test_new_york_dst_day_reg_f_opening(policy) -> None:
    d = policy.check(_call("2025-03-09T07:59:59-04:00"), account={"jurisdictions": ["US-NY"], "timezones": [NY]})
    assert not d.allowed and _ids(d) == {"regf-inconvenient-time"}
    assert d.next_allowed_at == _dt.datetime.fromisoformat("2025-03-09T08:00:00-04:00")


def test_seattle_reg_f_is_stricter_in_the_morning(policy) -> None:
    acct = {"jurisdictions": ["US-WA"], "timezones": ["America/Los_Angeles"]}
    d = policy.check(_call("2025-06-02T07:45:00-07:00"), account=acct)
    assert not d.allowed and _ids(d) == {"regf-inconvenient-time"}  # WA opens 07:30, Reg F 08:00


def test_seattle_fourth_weekly_communication_denied(policy) -> None:
    acct = {"jurisdictions": ["US-WA"], "timezones": ["America/Los_Angeles"]}
    hist = _hist(("call", "2025-06-02T10:00:00-07:00", "D1", "no_answer"),
                 ("email", "2025-06-03T10:00:00-07:00", "D2", "delivered"),
                 ("letter", "2025-06-04T10:00:00-07:00", "D3", "delivered"))
    d = policy.check(_call("2025-06-05T10:00:00-07:00"), account=acct, history=hist)
    assert not d.allowed and _ids(d) == {"wa-weekly-communications"}


def test_florida_creditor_quiet_hours_and_email(policy) -> None:
    acct = {"jurisdictions": ["US-FL"], "timezones": [NY], "collector_type": "first_party"}
    assert _ids(policy.check(_call("2025-06-02T21:00:00-04:00"), account=acct)) == {"fl-quiet-hours"}
    email = {"channel": "email", "at": "2025-06-02T23:00:00-04:00", "debt_id": "D1", "dialer": "manual"}
    assert policy.check(email, account=acct).allowed  # SB 232
    # a third-party collector's late e-mail is still an inconvenient time under Reg F
    third = policy.check(email, account={**acct, "collector_type": "third_party"})
    assert _ids(third) == {"regf-inconvenient-time"}


def test_california_creditor_gets_fdcpa_hours(policy) -> None:
    acct = {"jurisdictions": ["US-CA"], "timezones": ["America/Los_Angeles"], "collector_type": "first_party"}
    d = policy.check(_call("2025-06-02T21:00:00-07:00"), account=acct)
    assert _ids(d) == {"ca-inconvenient-time"}
    # third-party collectors get the same hours from Reg F, not twice
    d3 = policy.check(_call("2025-06-02T21:00:00-07:00"), account={**acct, "collector_type": "third_party"})
    assert _ids(d3) == {"regf-inconvenient-time"}


def test_dc_fifth_call_denied_for_third_party_too(policy) -> None:
    acct = {"jurisdictions": ["US-DC"], "timezones": [NY]}
    hist = _hist(*[("call", f"2025-06-0{i}T10:00:00-04:00", "D1", "no_answer") for i in (2, 3, 4, 5)])
    d = policy.check(_call("2025-06-06T10:00:00-04:00"), account=acct, history=hist)
    assert not d.allowed and _ids(d) == {"dc-calls-4-per-7-days"}


_offsets = st.lists(st.integers(min_value=0, max_value=13 * 24 * 60), max_size=8)
_channels = st.sampled_from(["call", "sms", "email", "letter", "voicemail"])


@settings(max_examples=60, deadline=None)
@given(_offsets, st.lists(_channels, min_size=8, max_size=8), st.integers(min_value=0, max_value=7))
def test_more_history_never_turns_a_denial_into_an_allow(policy, offsets, channels, k) -> None:
    start = _dt.datetime(2026, 8, 24, 0, 0, tzinfo=_dt.timezone(_dt.timedelta(hours=-4)))
    acct = {**NYC, "written_consent_channels": ["email", "sms"]}
    hist = [{"channel": c, "at": (start + _dt.timedelta(minutes=m)).isoformat(), "debt_ids": ["D1"],
             "outcome": "delivered" if c in ("email", "sms", "letter") else "no_answer"}
            for m, c in zip(offsets, channels)]
    at = (start + _dt.timedelta(days=14, hours=12)).isoformat()
    fewer = policy.check(_call(at), account=acct, history=hist[:k], next_allowed=False)
    more = policy.check(_call(at), account=acct, history=hist, next_allowed=False)
    if not fewer.allowed:
        assert not more.allowed


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=10 * 24 * 60), st.lists(st.integers(min_value=0, max_value=9 * 24 * 60),
                                                                  min_size=2, max_size=5),
       st.sampled_from(["third_party", "first_party"]))
def test_next_allowed_is_allowed_and_nothing_earlier_is(policy, at_min, hist_mins, collector) -> None:
    # around New York City's rule change on 2026-09-01 (old twice-in-seven, new three-in-seven)
    start = _dt.datetime(2026, 8, 24, 0, 0, tzinfo=_dt.timezone(_dt.timedelta(hours=-4)))
    acct = {**NYC, "collector_type": collector}
    at = start + _dt.timedelta(minutes=at_min)
    hist = [{"channel": "call", "at": (start + _dt.timedelta(minutes=m)).isoformat(), "debt_ids": ["D1"],
             "outcome": "no_answer"} for m in hist_mins if start + _dt.timedelta(minutes=m) < at]
    d = policy.check(_call(at.isoformat()), account=acct, history=hist)
    if d.allowed or d.next_allowed_at is None:
        return
    nxt = d.next_allowed_at
    assert policy.check(_call(nxt.isoformat()), account=acct, history=hist, next_allowed=False).allowed
    step = (nxt - at) / 7
    for i in range(1, 7):
        t = at + step * i
        if t < nxt - _dt.timedelta(seconds=1):
            assert not policy.check(_call(t.isoformat()), account=acct, history=hist, next_allowed=False).allowed
