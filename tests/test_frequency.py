"""Call-frequency presumptions of 12 CFR 1006.14(b)(2)-(4) and Massachusetts' 2-in-7, with the
values from the text: the 8th call within 7 consecutive days; the conversation date as day 1."""

import datetime as dt

import pytest

import collectrules
from collectrules import History, InputError

from .conftest import acct, call, contact, iso


def seven_calls(start="2025-06-02", hour=10, **kw):
    d0 = dt.date.fromisoformat(start)
    return [contact(f"{d0 + dt.timedelta(days=i)}T{hour:02d}:00:00-05:00", **kw) for i in range(7)]


def test_seventh_call_allowed_eighth_denied_on_day_7(regf):
    hist = seven_calls()[:6]  # days 1..6
    assert regf.check(call("2025-06-08T09:00:00-05:00"), account=acct(), history=hist).allowed  # 7th
    hist = seven_calls()  # days 1..7 (7th on day 7 at 10:00)
    d = regf.check(call("2025-06-08T11:00:00-05:00"), account=acct(), history=hist)
    assert not d.allowed
    assert [v.rule_id for v in d.violations] == ["regf-call-frequency-7-in-7"]
    assert "8 of max 7" in d.violations[0].message
    # the window slides: on day 8 the day-1 call falls out
    assert d.next_allowed_at == iso("2025-06-09T08:00:00-05:00")
    assert regf.check(call("2025-06-09T08:00:00-05:00"), account=acct(), history=hist).allowed


def test_busy_and_not_connected_are_not_counted(regf):
    hist = seven_calls()
    hist[0]["outcome"] = "busy"
    hist[1]["outcome"] = "not_connected"
    assert regf.check(call("2025-06-08T11:00:00-05:00"), account=acct(), history=hist).allowed


def test_voicemail_and_unanswered_calls_are_counted(regf):
    hist = seven_calls(outcome="voicemail")
    assert not regf.check(call("2025-06-08T11:00:00-05:00"), account=acct(), history=hist).allowed


def test_texts_and_emails_do_not_count_toward_7_in_7(regf):
    hist = seven_calls(channel="sms", outcome="delivered")
    assert regf.check(call("2025-06-08T11:00:00-05:00"), account=acct(), history=hist).allowed


def test_inbound_calls_do_not_count(regf):
    hist = seven_calls(direction="inbound", outcome="no_answer")
    assert regf.check(call("2025-06-08T11:00:00-05:00"), account=acct(), history=hist).allowed


def test_per_person_and_per_debt(regf):
    hist = seven_calls()
    # another debt: own bucket
    assert regf.check(call("2025-06-08T11:00:00-05:00", debt="D2"), account=acct(), history=hist).allowed
    # another person (a co-borrower): own bucket
    assert regf.check(call("2025-06-08T11:00:00-05:00", recipient="co_borrower"), account=acct(), history=hist).allowed


def test_a_call_about_two_debts_counts_for_each(regf):
    hist = seven_calls(debts=("D1", "D2"))
    assert not regf.check(call("2025-06-08T11:00:00-05:00", debt="D2"), account=acct(), history=hist).allowed


def test_debt_groups_are_one_particular_debt(regf):
    # 1006.14(b)(4): student loans serviced under one account number are one debt
    hist = seven_calls(debts=("SL1",))
    a = acct(debt_groups=[["SL1", "SL2"]])
    assert not regf.check(call("2025-06-08T11:00:00-05:00", debt="SL2"), account=a, history=hist).allowed
    assert regf.check(call("2025-06-08T11:00:00-05:00", debt="SL2"), account=acct(), history=hist).allowed


def test_calls_with_direct_prior_consent_are_excluded(regf):
    hist = seven_calls()
    # consent received on day 7 (day 1 of its own period): the call is excluded
    d = regf.check(call("2025-06-08T11:00:00-05:00", consent_given_at="2025-06-08T10:05:00-05:00"),
                   account=acct(), history=hist)
    assert d.allowed
    # consent received 7 days earlier has run out (consent date = day 1, so days 1..7 only)
    d = regf.check(call("2025-06-08T11:00:00-05:00", consent_given_at="2025-06-01T11:00:00-05:00"),
                   account=acct(), history=hist)
    assert not d.allowed
    # past calls placed with consent are not counted either
    for c in hist[:2]:
        c["consent_given_at"] = "2025-06-02T09:00:00-05:00"
    assert regf.check(call("2025-06-08T11:00:00-05:00"), account=acct(), history=hist).allowed


def test_calls_to_the_consumers_attorney_are_excluded(regf):
    hist = seven_calls(recipient="attorney")
    assert regf.check(call("2025-06-08T11:00:00-05:00"), account=acct(), history=hist).allowed


def test_day_window_uses_local_calendar_dates_not_168_hours(regf):
    # A call at 20:30 on 06-01 is outside the dates 06-02..06-08 although it is within 168 hours
    # of an attempt at 20:00 on 06-08: the attempt is only the 7th in the window -> allowed.
    hist = [contact("2025-06-01T20:30:00-05:00")] + [contact(f"2025-06-0{d}T10:00:00-05:00") for d in range(3, 9)]
    assert regf.check(call("2025-06-08T20:00:00-05:00"), account=acct(), history=hist).allowed
    # one more call on 06-02 (any time that local day) makes it the 8th
    hist.append(contact("2025-06-02T00:00:00-05:00"))
    assert not regf.check(call("2025-06-08T20:00:00-05:00"), account=acct(), history=hist).allowed


def test_conversation_blocks_through_day_7_and_allows_day_8(regf):
    hist = [contact("2025-06-02T15:00:00-05:00", outcome="conversation")]
    for day in range(2, 9):
        d = regf.check(call(f"2025-06-{day:02d}T16:00:00-05:00"), account=acct(), history=hist)
        assert not d.allowed, day
        assert [v.rule_id for v in d.violations] == ["regf-call-after-conversation"]
    assert regf.check(call("2025-06-09T08:00:00-05:00"), account=acct(), history=hist).allowed


def test_conversation_later_the_same_day_does_not_block_an_earlier_call(regf):
    hist = [contact("2025-06-02T15:00:00-05:00", outcome="conversation")]
    assert regf.check(call("2025-06-02T10:00:00-05:00"), account=acct(), history=hist).allowed


def test_inbound_conversation_also_starts_the_period(regf):
    hist = [contact("2025-06-02T15:00:00-05:00", outcome="conversation", direction="inbound")]
    assert not regf.check(call("2025-06-05T12:00:00-05:00"), account=acct(), history=hist).allowed


def test_conversation_about_several_debts_blocks_each(regf):
    hist = [contact("2025-06-02T15:00:00-05:00", outcome="conversation", debts=("MED", "CARD"))]
    assert not regf.check(call("2025-06-04T12:00:00-05:00", debt="CARD"), account=acct(), history=hist).allowed
    assert regf.check(call("2025-06-04T12:00:00-05:00", debt="AUTO"), account=acct(), history=hist).allowed


def test_conversation_does_not_block_email(regf):
    hist = [contact("2025-06-02T15:00:00-05:00", outcome="conversation")]
    assert regf.check(call("2025-06-03T12:00:00-05:00", channel="email"), account=acct(), history=hist).allowed


def test_prepared_history_gives_the_same_decision(regf):
    hist = seven_calls()
    raw = regf.check(call("2025-06-08T11:00:00-05:00"), account=acct(), history=hist)
    prepared = History(hist)
    fast = regf.check(call("2025-06-08T11:00:00-05:00"), account=acct(), history=prepared)
    again = regf.check(call("2025-06-08T11:00:00-05:00"), account=acct(), history=prepared)
    assert raw.to_dict() == fast.to_dict() == again.to_dict()


def test_malformed_history_is_rejected(regf):
    bad = [{"channel": "call", "at": "2025-06-02T10:00:00-05:00", "debt_ids": ["D1"]}]  # no outcome
    with pytest.raises(InputError, match="outcome"):
        regf.check(call("2025-06-08T11:00:00-05:00"), account=acct(), history=bad)
    with pytest.raises(InputError):
        regf.check(call("2025-06-08T11:00:00-05:00"), account=acct(),
                   history=[contact("2025-06-02T10:00:00")])  # naive
    with pytest.raises(InputError):
        regf.check(call("2025-06-08T11:00:00-05:00"), account=acct(), history="not a list")


def test_boston_gets_reg_f_and_ma_stacked(shipped):
    boston = acct(["America/New_York"], ["US-MA"])
    hist = [contact("2025-06-02T10:00:00-04:00"), contact("2025-06-04T10:00:00-04:00")]
    d = shipped.check(call("2025-06-06T10:00:00-04:00"), account=boston, history=hist)
    assert not d.allowed
    assert {v.ruleset for v in d.violations} == {"us-ma"}
    assert "us-federal" in d.rulesets and "us-ma" in d.rulesets
    # the same history in Illinois is fine under Reg F alone
    assert shipped.check(call("2025-06-06T11:00:00-05:00"), account=acct(), history=hist).allowed


def test_ma_stricter_opening_minute_stacks_with_reg_f(shipped):
    boston = acct(["America/New_York"], ["US-MA"])
    d = shipped.check(call("2025-06-02T08:00:00-04:00"), account=boston)
    assert [v.rule_id for v in d.violations] == ["ma-collector-time"]
    assert d.next_allowed_at == iso("2025-06-02T08:00:01-04:00")


def test_unknown_jurisdiction_fails_closed(regf):
    d = regf.check(call("2025-06-02T12:00:00+01:00"), account={"jurisdictions": ["DE"], "timezones": ["Europe/Berlin"]})
    assert not d.allowed and d.violations[0].rule_id == "no-ruleset"
    lenient = collectrules.load_policy(["us-federal"], unknown_jurisdiction="allow")
    assert lenient.check(call("2025-06-02T12:00:00+01:00"),
                         account={"jurisdictions": ["DE"], "timezones": ["Europe/Berlin"]}).allowed


def test_cease_has_no_next_allowed(regf):
    d = regf.check(call("2025-06-02T12:00:00-05:00"), account=acct(cease_communication=True))
    assert not d.allowed and d.next_allowed_at is None
    assert regf.next_allowed(call("2025-06-02T12:00:00-05:00"), account=acct(cease_communication=True)) is None
