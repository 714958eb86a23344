"""No personal data out: nothing from an account's (or attempt's, or history's) personal fields
appears in Decision.to_dict(), explain() or an InputError message."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from collectrules import InputError, load_policy

POLICY = load_policy()

# values that look like what callers wrongly put in id fields: names, phones, e-mails, IDs
PERSONAL = st.one_of(
    st.from_regex(r"\APII[A-Za-z]{6,12}\Z"),
    st.from_regex(r"\A\+1 [2-9]\d\d 555 \d{4}\Z"),
    st.from_regex(r"\A1[3-9]\d{9}\Z"),
    st.from_regex(r"\A[a-z]{4,8}\.[a-z]{3,6}@mail[a-z]{2,4}\.com\Z"),
    st.from_regex(r"\A\d{17}[0-9X]\Z"),
    st.from_regex(r"\APII[\u4e00-\u9fa5]{2,4}\Z"),
)

JURISDICTIONS = [
    (["US-IL"], ["America/Chicago"], "-05:00"),
    (["US-MA"], ["America/New_York"], "-04:00"),
    (["CN"], ["Asia/Shanghai"], "+08:00"),
    (["HK"], ["Asia/Hong_Kong"], "+08:00"),
    (["TW"], ["Asia/Taipei"], "+08:00"),
]


@st.composite
def requests(draw):
    jur, zones, off = draw(st.sampled_from(JURISDICTIONS))
    secrets = draw(st.lists(PERSONAL, min_size=8, max_size=8, unique=True))
    rid, aid, sid, debt, refusal, ledger_addr, ledger_debt, hist_rid = secrets
    hour = draw(st.integers(min_value=6, max_value=22))
    at = f"2025-06-10T{hour:02d}:00:00{off}"
    attempt = {
        "channel": draw(st.sampled_from(["call", "sms", "email", "voicemail", "social_private"])),
        "at": at, "debt_id": debt,
        "recipient": draw(st.sampled_from(["borrower", "third_party", "emergency_contact", "household_member",
                                           "family", "reference", "employer", "address_book_contact"])),
        "recipient_id": draw(st.sampled_from([rid, hist_rid, refusal])),
        "purpose": draw(st.sampled_from(["collection", "location_inquiry", "relay_contact_request",
                                         "opt_out_confirmation"])),
        "dialer": draw(st.sampled_from(["manual", "autodialer", "prerecorded", "ai_voice"])),
        "line_type": draw(st.sampled_from(["mobile", "residential", "unknown"])),
        "address_id": draw(st.sampled_from([aid, ledger_addr])), "sender_id": sid,
        "employer_provided_address": draw(st.booleans()),
    }
    account = {
        "jurisdictions": jur, "timezones": zones,
        "collector_type": draw(st.sampled_from(["third_party", "first_party", "debt_buyer"])),
        "debtor_unreachable": draw(st.booleans()), "attorney_represented": draw(st.booleans()),
        "third_party_refusals": [refusal],
        "debt_groups": [[debt, ledger_debt]],
        "consent_ledger": [{"channels": ["call", "sms"], "address_id": ledger_addr, "debt_id": ledger_debt,
                            "sender_id": sid, "given_at": "2025-05-01T10:00:00+00:00",
                            "revoked_at": draw(st.sampled_from([None, "2025-06-01T10:00:00+00:00"]))}],
        "account_id": "ACCT-1",
    }
    history = [
        {"channel": "call", "at": f"2025-06-0{d}T12:00:00{off}", "debt_ids": [debt, ledger_debt],
         "outcome": draw(st.sampled_from(["conversation", "no_answer", "voicemail"])),
         "recipient": attempt["recipient"], "recipient_id": draw(st.sampled_from([hist_rid, rid])),
         "address_id": aid, "sender_id": sid, "dialer": attempt["dialer"],
         "purpose": draw(st.sampled_from(["collection", "location_inquiry", "opt_out_confirmation"]))}
        for d in range(1, draw(st.integers(min_value=0, max_value=5)) + 1)
    ]
    return attempt, account, history, secrets


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_no_personal_field_in_outputs(req):
    attempt, account, history, secrets = req
    d = POLICY.check(attempt, account=account, history=history)
    out = json.dumps(d.to_dict(), ensure_ascii=False) + "\n" + d.explain()
    for s in secrets:
        assert s not in out


@settings(max_examples=60, deadline=None)
@given(PERSONAL)
def test_no_personal_data_in_input_errors(secret):
    bad_requests = [
        ({"channel": "call", "at": "2025-06-10T10:00:00", "debt_id": secret}, {"jurisdictions": ["US-IL"]}),
        ({"channel": secret, "at": "2025-06-10T10:00:00-05:00", "debt_id": "D"}, {"jurisdictions": ["US-IL"]}),
        ({"channel": "call", "at": "2025-06-10T10:00:00-05:00", "debt_id": "D"},
         {"jurisdictions": ["US-IL"], "timezones": [secret]}),
        ({"channel": "call", "at": "2025-06-10T10:00:00-05:00", "debt_id": "D", secret: 1},
         {"jurisdictions": ["US-IL"]}),
        ({"channel": "call", "at": "2025-06-10T10:00:00-05:00", "debt_id": "D"},
         {"jurisdictions": ["US-IL"], "consent_ledger": [{"channels": [secret]}]}),
    ]
    for attempt, account in bad_requests:
        with pytest.raises(InputError) as e:
            POLICY.check(attempt, account=account)
        assert secret not in str(e.value)
    with pytest.raises(InputError) as e:
        POLICY.check({"channel": "call", "at": "2025-06-10T10:00:00-05:00", "debt_id": "D"},
                     account={"jurisdictions": ["US-IL"]},
                     history=[{"channel": "call", "at": "2025-06-01T10:00:00-05:00", "debt_ids": [secret],
                               "outcome": secret}])
    assert secret not in str(e.value)
