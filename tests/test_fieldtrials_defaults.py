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
