"""Issue #8, "Fail-open defaults": an unstated dialer gets the strict reading, consent lifts an
hours rule only when it is fresh or a standing consent to those hours."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import collectrules
from collectrules import ContactAttempt, Contact

CHI = {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]}


@pytest.fixture(scope="module")
def us():
    return collectrules.load_policy(["us-federal", "us-tcpa"])


def _ids(d):
    return {v.rule_id for v in d.violations}


# -- dialer -----------------------------------------------------------------------------------


def test_dialer_defaults_to_unknown_on_attempts_and_contacts():
    a = ContactAttempt.model_validate({"channel": "call", "at": "2025-06-02T10:00:00-05:00", "debt_id": "D1"})
    c = Contact.model_validate({"channel": "call", "at": "2025-06-02T10:00:00-05:00", "debt_ids": ["D1"],
                                "outcome": "no_answer"})
    assert a.dialer == "unknown" and c.dialer == "unknown"


@pytest.mark.parametrize("channel", ["call", "sms", "voicemail"])
def test_unstated_dialer_needs_tcpa_consent_manual_does_not(us, channel):
    base = {"channel": channel, "at": "2025-06-02T10:00:00-05:00", "debt_id": "D1", "line_type": "mobile",
            "address_id": "M1"}
    d = us.check(base, account=CHI)
    assert not d.allowed and _ids(d) == {"tcpa-robocall-mobile-consent"}
    assert "unknown" in d.violations[0].message
    manual = us.check({**base, "dialer": "manual"}, account=CHI)
    assert manual.allowed


def test_unstated_dialer_gets_no_manual_call_exception_after_revocation(us):
    acct = {**CHI, "consent_ledger": [{"channels": ["call"], "address_id": "M1",
                                       "given_at": "2025-05-01T10:00:00-05:00",
                                       "revoked_at": "2025-05-20T10:00:00-05:00"}]}
    a = {"channel": "call", "at": "2025-06-02T10:00:00-05:00", "debt_id": "D1", "line_type": "residential",
         "address_id": "M1"}
    # tcpa-revocation lifts only for manual calls: an unstated dialer is not manual
    assert "tcpa-revocation" in _ids(us.check(a, account=acct))
    assert us.check({**a, "dialer": "manual"}, account=acct).allowed


def test_past_contacts_with_unstated_dialer_count_toward_the_prerecorded_line_cap(us):
    # 47 CFR 64.1200(a)(3): 3 prerecorded/artificial-voice calls per residential line per 30 days
    hist = [{"channel": "call", "at": f"2025-06-{d:02d}T10:00:00-05:00", "debt_ids": ["D1"],
             "outcome": "no_answer", "address_id": "L1"} for d in (2, 9, 16)]
    a = {"channel": "call", "at": "2025-06-25T10:00:00-05:00", "debt_id": "D1", "dialer": "prerecorded",
         "line_type": "residential", "address_id": "L1"}
    d = us.check(a, account=CHI, history=hist)
    assert _ids(d) == {"tcpa-residential-artificial-voice-cap"}
    manual_hist = [{**h, "dialer": "manual"} for h in hist]
    assert us.check(a, account=CHI, history=manual_hist).allowed


@settings(max_examples=60, deadline=None)
@given(dialer=st.sampled_from(["manual", "autodialer", "prerecorded", "ai_voice"]),
       channel=st.sampled_from(["call", "sms", "voicemail"]),
       line=st.sampled_from(["mobile", "residential", "unknown"]),
       hour=st.integers(0, 23))
def test_unknown_dialer_is_never_allowed_where_a_stated_dialer_is_denied(us, dialer, channel, line, hour):
    """The default is the strict side: whatever dialer was really used, leaving it unstated
    never turns that dialer's denial into an allow."""
    a = {"channel": channel, "at": f"2025-06-02T{hour:02d}:30:00-05:00", "debt_id": "D1", "line_type": line,
         "address_id": "M1"}
    stated = us.check({**a, "dialer": dialer}, account=CHI, next_allowed=False)
    unstated = us.check(a, account=CHI, next_allowed=False)
    if not stated.allowed:
        assert not unstated.allowed


# -- consent scope of hours rules ---------------------------------------------------------------


@pytest.fixture(scope="module")
def regf():
    return collectrules.load_policy(["us-federal"])


@settings(max_examples=80, deadline=None)
@given(minute_of_night=st.integers(0, 11 * 60 - 1), age_s=st.integers(0, 40 * 86400))
def test_bare_consent_lifts_the_hours_only_when_at_most_24_hours_old(regf, minute_of_night, age_s):
    """12 CFR 1006.6(b)(4)(i): consent to a time. An attempt in the 21:00-08:00 gap is allowed
    with consent at most 24 h old and denied, exactly as without consent, when it is older."""
    at = dt.datetime(2025, 6, 2, 21, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))) + dt.timedelta(
        minutes=minute_of_night)
    given_at = at - dt.timedelta(seconds=age_s)
    a = {"channel": "call", "dialer": "manual", "at": at.isoformat(), "debt_id": "D1",
         "consent_given_at": given_at.isoformat()}
    d = regf.check(a, account=CHI)
    if age_s <= 24 * 3600:
        assert d.allowed
    else:
        assert _ids(d) == {"regf-inconvenient-time"}
        without = regf.check({k: v for k, v in a.items() if k != "consent_given_at"}, account=CHI)
        assert d.next_allowed_at == without.next_allowed_at
        # never at midnight: the next opening is 08:00 local
        assert d.next_allowed_at.astimezone(dt.timezone(dt.timedelta(hours=-5))).time() == dt.time(8, 0)


def test_next_allowed_with_stale_consent_is_the_morning_not_midnight(regf):
    a = {"channel": "call", "dialer": "manual", "at": "2025-06-02T23:30:00-05:00", "debt_id": "D1",
         "consent_given_at": "2025-05-12T10:00:00-05:00"}
    assert regf.next_allowed(a, account=CHI) == dt.datetime.fromisoformat("2025-06-03T08:00:00-05:00")


def test_consumer_stated_inconvenient_time_needs_fresh_consent_too(regf):
    acct = {**CHI, "inconvenient_times": [{"start": "17:00", "end": "21:00"}]}
    a = {"channel": "call", "dialer": "manual", "at": "2025-06-02T18:00:00-05:00", "debt_id": "D1"}
    stale = regf.check({**a, "consent_given_at": "2025-05-01T12:00:00-05:00"}, account=acct)
    assert _ids(stale) == {"regf-consumer-inconvenient-times"}
    # 21:00 leaves the stated window but is outside Reg F's hours: the next morning
    assert stale.next_allowed_at == dt.datetime.fromisoformat("2025-06-03T08:00:00-05:00")
    fresh = regf.check({**a, "consent_given_at": "2025-06-02T17:55:00-05:00"}, account=acct)
    assert fresh.allowed


@pytest.mark.parametrize("ruleset,acct,at", [
    ("us-ma", {"jurisdictions": ["US-MA"], "timezones": ["America/New_York"]}, "2025-06-02T22:30:00-04:00"),
    ("us-fl", {"jurisdictions": ["US-FL"], "timezones": ["America/New_York"], "collector_type": "first_party"},
     "2025-06-02T22:30:00-04:00"),
    ("us-ca", {"jurisdictions": ["US-CA"], "timezones": ["America/Los_Angeles"], "collector_type": "first_party"},
     "2025-06-02T22:30:00-07:00"),
    ("us-wa", {"jurisdictions": ["US-WA"], "timezones": ["America/Los_Angeles"]}, "2025-06-02T22:30:00-07:00"),
    ("tw-timing", {"jurisdictions": ["TW"], "timezones": ["Asia/Taipei"], "institution_type": "insurer",
                   "collector_type": "first_party"}, "2025-06-02T22:30:00+08:00"),
])
def test_every_hours_rule_with_a_consent_exception_honours_scope(ruleset, acct, at):
    p = collectrules.load_policy([ruleset])
    a = {"channel": "call", "dialer": "manual", "at": at, "debt_id": "D1"}
    offset = at[-6:]
    assert not p.check(a, account=acct).allowed
    stale = {**a, "consent_given_at": f"2025-05-01T12:00:00{offset}"}
    assert not p.check(stale, account=acct).allowed
    fresh = {**a, "consent_given_at": f"2025-06-02T20:00:00{offset}"}
    assert p.check(fresh, account=acct).allowed
    standing = {**acct, "contact_consent_hours": [{"start": "21:00", "end": "23:00"}]}
    assert p.check(a, account=standing).allowed
    assert not p.check({**a, "at": at.replace("22:30", "23:10")}, account=standing).allowed


# -- the defaults page lists every defaulted field ---------------------------------------------------


@pytest.mark.parametrize("model", [collectrules.ContactAttempt, collectrules.Contact, collectrules.Account,
                                   collectrules.models.ConsentRecord])
def test_docs_defaults_lists_every_defaulted_field(model):
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "defaults.md").read_text(encoding="utf-8")
    import re

    m = re.search(rf"^## {model.__name__}\b(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert m, f"docs/defaults.md has no section for {model.__name__}"
    body = m.group(1)
    missing = [name for name, f in model.model_fields.items() if not f.is_required() and f"`{name}`" not in body]
    assert not missing, f"{model.__name__} fields with defaults missing from docs/defaults.md: {missing}"
