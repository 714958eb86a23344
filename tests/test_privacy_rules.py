"""Issue 5 acceptance: recipients, third parties, channels and consent (Reg F, TCPA, CN, HK)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import collectrules
from collectrules import InputError, load_policy

CHI = {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]}


@pytest.fixture(scope="module")
def us():
    return load_policy(["us-federal", "us-federal-privacy", "us-tcpa"])


@pytest.fixture(scope="module")
def cn():
    return load_policy(["cn-privacy"])


def _ids(d):
    return {v.rule_id for v in d.violations}


def _kinds(d):
    return {v.rule_id: v.kind for v in d.violations}


# --- Regulation F: location communications -------------------------------------------------

NEIGHBOUR_CALL = {"channel": "call", "at": "2025-06-02T10:00:00-05:00", "debt_id": "D1", "dialer": "manual",
                  "recipient": "third_party", "recipient_id": "N1", "purpose": "location_inquiry"}


def test_first_location_call_allowed_and_script_has_no_debt_wording(us):
    d = us.check(NEIGHBOUR_CALL, account=CHI)
    assert d.allowed and not d.violations
    entry = next(t for t in d.trace if t.rule_id == "regf-third-party-location-only")
    assert entry.outcome == "pass"
    # the recipient rule hands the caller the content limits of 1006.10(b): no debt wording
    assert "do not state that the consumer owes any debt" in entry.detail
    assert "confirming or correcting location information" in entry.detail
    # the content rules (another issue) fill required_disclosures; nothing here adds debt wording
    assert all("debt collector" not in str(x).lower() for x in d.required_disclosures)


def test_second_location_call_to_same_neighbour_denied(us):
    hist = [{"channel": "call", "at": "2025-06-02T10:00:00-05:00", "debt_ids": ["D1"], "outcome": "conversation",
             "recipient": "third_party", "recipient_id": "N1", "purpose": "location_inquiry"}]
    d = us.check({**NEIGHBOUR_CALL, "at": "2025-06-10T10:00:00-05:00"}, account=CHI, history=hist)
    assert not d.allowed
    assert _kinds(d) == {"regf-location-once": "recipient"}
    assert d.violations[0].citation.startswith("12 CFR 1006.10(c)")
    assert d.next_allowed_at is None  # waiting does not help
    # the neighbour asked for a call-back: allowed
    d2 = us.check({**NEIGHBOUR_CALL, "at": "2025-06-10T10:00:00-05:00", "callback_requested": True},
                  account=CHI, history=hist)
    assert d2.allowed
    # another neighbour: allowed
    d3 = us.check({**NEIGHBOUR_CALL, "at": "2025-06-10T10:00:00-05:00", "recipient_id": "N2"}, account=CHI,
                  history=hist)
    assert d3.allowed


def test_collection_call_to_third_party_denied(us):
    d = us.check({**NEIGHBOUR_CALL, "purpose": "collection"}, account=CHI)
    assert _kinds(d) == {"regf-third-party-location-only": "recipient"}


def test_attorney_known_consumer_denied_attorney_allowed(us):
    acct = {**CHI, "attorney_represented": True}
    d = us.check({"channel": "call", "at": "2025-06-02T10:00:00-05:00", "debt_id": "D1", "dialer": "manual"}, account=acct)
    assert not d.allowed and "regf-attorney-represented" in _ids(d)
    d = us.check({"channel": "call", "at": "2025-06-02T10:00:00-05:00", "debt_id": "D1", "dialer": "manual", "recipient": "attorney"},
                 account=acct)
    assert d.allowed
    d = us.check(NEIGHBOUR_CALL, account=acct)
    # us-federal's 1006.6(b)(2) rule denies it too; the location rule says why for third parties
    assert _kinds(d)["regf-location-attorney-known"] == "recipient"
    assert not d.allowed


def test_email_to_employer_address_denied(us):
    attempt = {"channel": "email", "at": "2025-06-02T10:00:00-05:00", "debt_id": "D1",
               "employer_provided_address": True}
    d = us.check(attempt, account=CHI)
    assert _kinds(d) == {"regf-employer-email": "channel"}
    assert us.check({**attempt, "consumer_used_address": True}, account=CHI).allowed
    assert us.check({**attempt, "consent_given_at": "2025-06-01T09:00:00-05:00"}, account=CHI).allowed
    assert us.check({**attempt, "employer_provided_address": False}, account=CHI).allowed


def test_public_social_media_denied(us):
    d = us.check({"channel": "social_public", "at": "2025-06-02T10:00:00-05:00", "debt_id": "D1"}, account=CHI)
    assert _kinds(d) == {"regf-social-public": "channel"}


# --- TCPA -------------------------------------------------------------------------------------


def test_autodialed_call_to_mobile_without_consent_denied(us):
    a = {"channel": "call", "at": "2025-06-02T10:00:00-05:00", "debt_id": "D1", "dialer": "autodialer",
         "line_type": "mobile", "address_id": "M1"}
    d = us.check(a, account=CHI)
    assert not d.allowed
    assert _kinds(d) == {"tcpa-robocall-mobile-consent": "channel"}
    # unknown line type fails closed
    assert not us.check({**a, "line_type": "unknown"}, account=CHI).allowed
    # AI voice is an artificial voice
    assert not us.check({**a, "dialer": "ai_voice"}, account=CHI).allowed
    # manual dialling needs no TCPA consent
    assert us.check({**a, "dialer": "manual"}, account=CHI).allowed
    # with consent in the ledger: allowed
    acct = {**CHI, "consent_ledger": [{"channels": ["call"], "address_id": "M1",
                                       "given_at": "2025-05-01T10:00:00-05:00"}]}
    assert us.check(a, account=acct).allowed


def test_text_opt_out_follows_the_person_across_debts_and_sender_numbers(us):
    acct = {**CHI, "consent_ledger": [{"channels": ["sms"], "address_id": "M1",
                                       "given_at": "2025-05-01T10:00:00-05:00",
                                       "revoked_at": "2025-06-02T12:00:00-05:00",
                                       "debt_id": "D1", "sender_id": "S1"}]}
    text = {"channel": "sms", "at": "2025-06-03T10:00:00-05:00", "debt_id": "D2", "dialer": "manual", "sender_id": "S2",
            "address_id": "M1", "line_type": "mobile"}
    d = us.check(text, account=acct)
    assert not d.allowed
    assert _kinds(d) == {"tcpa-revocation": "channel"}
    assert "honoured by 2025-06-16" in d.violations[0].message  # Mon 06-02 + 10 business days
    # an autodialed text is denied by the consent rule too
    d = us.check({**text, "dialer": "autodialer"}, account=acct)
    assert _ids(d) == {"tcpa-revocation", "tcpa-robocall-mobile-consent"}
    # one confirmation text is allowed, a second is not
    conf = {**text, "purpose": "opt_out_confirmation", "at": "2025-06-02T12:01:00-05:00", "debt_id": "D1"}
    assert us.check(conf, account=acct).allowed
    sent = [{"channel": "sms", "at": "2025-06-02T12:01:00-05:00", "debt_ids": ["D1"], "outcome": "delivered",
             "purpose": "opt_out_confirmation", "address_id": "M1"}]
    d = us.check({**conf, "at": "2025-06-02T12:03:00-05:00"}, account=acct, history=sent)
    assert _ids(d) == {"tcpa-revocation"}


def test_honour_by_counts_business_days_and_federal_holidays():
    from collectrules.rules.channel import add_business_days
    from collectrules import clock

    cal = clock.holiday_calendar("US", None, 2025)
    # revoked Friday 2025-06-13: 10 business days skip two weekends and Juneteenth (Thursday 06-19)
    assert add_business_days(dt.date(2025, 6, 13), 10, cal) == dt.date(2025, 6, 30)
    assert add_business_days(dt.date(2025, 6, 13), 10, None) == dt.date(2025, 6, 27)


def test_residential_prerecorded_cap(us):
    az = {"jurisdictions": ["US-AZ"], "timezones": ["America/Phoenix"]}
    hist = [{"channel": "call", "at": f"2025-06-{d:02d}T10:00:00-07:00", "debt_ids": ["D1"], "outcome": "no_answer",
             "dialer": "prerecorded", "address_id": "L1"} for d in (1, 10, 20)]
    a = {"channel": "call", "at": "2025-06-25T10:00:00-07:00", "debt_id": "D1", "dialer": "prerecorded",
         "line_type": "residential", "address_id": "L1"}
    assert us.check(a, account=az, history=hist[:2]).allowed
    d = us.check(a, account=az, history=hist)
    assert _kinds(d) == {"tcpa-residential-artificial-voice-cap": "channel"}
    # another line has its own count
    assert us.check({**a, "address_id": "L2"}, account=az, history=hist).allowed


# --- China -----------------------------------------------------------------------------------

EC = {"channel": "call", "at": "2025-06-02T10:00:00+08:00", "debt_id": "L1", "dialer": "manual", "recipient": "emergency_contact",
      "recipient_id": "EC1", "purpose": "location_inquiry"}
SH = {"jurisdictions": ["CN"], "timezones": ["Asia/Shanghai"]}


def test_cn_emergency_contact_lifecycle(cn):
    d = cn.check(EC, account=SH)
    assert _kinds(d) == {"cn-contacts-only-when-unreachable": "recipient"}
    lost = {**SH, "debtor_unreachable": True}
    assert cn.check(EC, account=lost).allowed
    assert cn.check({**EC, "purpose": "relay_contact_request"}, account=lost).allowed
    d = cn.check({**EC, "purpose": "collection"}, account=lost)
    # no institution/debt type on the account: the bank credit-card rule applies too (fail closed)
    assert _kinds(d) == {"cn-contacts-purpose": "recipient", "cn-credit-card-debtor-and-guarantor-only": "recipient"}
    d = cn.check({**EC, "purpose": "collection"}, account={**lost, "institution_type": "internet_lender"})
    assert _kinds(d) == {"cn-contacts-purpose": "recipient"}
    refused = {**lost, "third_party_refusals": ["EC1"]}
    d = cn.check(EC, account=refused)
    assert _kinds(d) == {"cn-contacts-stop-after-refusal": "recipient"}
    assert d.next_allowed_at is None
    # refusal recorded by role blocks every emergency contact
    d = cn.check({**EC, "recipient_id": "EC9"}, account={**lost, "third_party_refusals": ["emergency_contact"]})
    assert not d.allowed
    # deceased or lacking capacity open the gate as well
    assert cn.check(EC, account={**SH, "deceased": True}).allowed
    assert cn.check(EC, account={**SH, "debtor_lacks_capacity": True}).allowed


def test_cn_address_book_contact_never(cn):
    d = cn.check({**EC, "recipient": "address_book_contact"}, account={**SH, "debtor_unreachable": True})
    assert _kinds(d) == {"cn-no-address-book-contacts": "recipient"}


def test_hk_no_recovery_from_referees():
    p = load_policy(["hk-privacy"])
    acct = {"jurisdictions": ["HK"], "timezones": ["Asia/Hong_Kong"]}
    d = p.check({"channel": "call", "at": "2025-06-02T10:00:00+08:00", "debt_id": "C1", "dialer": "manual", "recipient": "reference"},
                account=acct)
    assert _kinds(d) == {"hk-no-recovery-from-third-parties": "recipient"}


# --- schema and input validation --------------------------------------------------------------


def test_consent_record_rejects_revocation_before_consent():
    with pytest.raises(InputError) as e:
        load_policy(["us-tcpa"]).check(
            {"channel": "sms", "at": "2025-06-02T10:00:00-05:00", "debt_id": "D1", "dialer": "manual"},
            account={**CHI, "consent_ledger": [{"channels": ["sms"], "given_at": "2025-06-02T10:00:00-05:00",
                                                "revoked_at": "2025-06-01T10:00:00-05:00"}]})
    assert "revoked_at is before given_at" in str(e.value)


def test_naive_consent_instant_rejected():
    with pytest.raises(InputError):
        load_policy(["us-tcpa"]).check(
            {"channel": "sms", "at": "2025-06-02T10:00:00-05:00", "debt_id": "D1", "dialer": "manual"},
            account={**CHI, "consent_ledger": [{"channels": ["sms"], "given_at": "2025-06-02T10:00:00"}]})


def test_unknown_line_type_rejected():
    with pytest.raises(InputError):
        load_policy(["us-tcpa"]).check(
            {"channel": "call", "at": "2025-06-02T10:00:00-05:00", "debt_id": "D1", "dialer": "manual", "line_type": "landline"},
            account=CHI)


def test_recipient_rule_needs_a_constraint(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("""
id: bad
title: bad
jurisdiction: US
source: https://example.invalid/
version: "1"
rules:
  - {id: r1, kind: recipient, citation: x, status: unconfirmed, recipients: [family]}
  - {id: r2, kind: channel, citation: x, status: unconfirmed, test: line_cap}
  - {id: r3, kind: retention, citation: x, status: unconfirmed, record_kinds: [call_recording]}
""")
    with pytest.raises(collectrules.RulesetError) as e:
        load_policy([str(f)])
    text = str(e.value)
    assert "r1" in text and "needs one of" in text
    assert "r2" in text and "line_cap needs max and window" in text
    assert "r3" in text and "needs years, months or days" in text


def test_violation_kinds_are_recipient_and_channel(us):
    kinds = {r.kind for rs in us.rulesets for r in rs.rules}
    assert {"recipient", "channel", "retention"} <= kinds


def test_retention_rules_take_no_part_in_check(us):
    assert any(r.kind == "retention" for rs in us.rulesets for r in rs.rules)
    d = us.check({"channel": "call", "at": "2025-06-02T10:00:00-05:00", "debt_id": "D1", "dialer": "manual"}, account=CHI)
    assert d.allowed
    assert not [t for t in d.trace if t.kind == "retention"]


def test_fresh_consent_after_revocation_restores_it():
    p = load_policy(["us-tcpa"])
    a = {"channel": "sms", "at": "2025-06-10T10:00:00-05:00", "debt_id": "D1", "address_id": "M1",
         "line_type": "mobile", "dialer": "autodialer"}
    ledger = [{"channels": ["sms"], "address_id": "M1", "given_at": "2025-05-01T10:00:00-05:00",
               "revoked_at": "2025-06-02T12:00:00-05:00"}]
    assert not p.check(a, account={**CHI, "consent_ledger": ledger}).allowed
    renewed = ledger + [{"channels": ["sms"], "address_id": "M1", "given_at": "2025-06-05T09:00:00-05:00"}]
    assert p.check(a, account={**CHI, "consent_ledger": renewed}).allowed
    # a blanket revocation (no number) covers every number
    blanket = [{"channels": ["sms"], "given_at": "2025-05-01T10:00:00-05:00"},
               {"channels": ["sms", "call"], "revoked_at": "2025-06-02T12:00:00-05:00", "sender_id": "S9"}]
    d = p.check(a, account={**CHI, "consent_ledger": blanket})
    assert _ids(d) == {"tcpa-revocation", "tcpa-robocall-mobile-consent"}


def test_opted_out_channel_counts_as_revoked_for_tcpa():
    p = load_policy(["us-tcpa"])
    acct = {**CHI, "collector_type": "first_party", "opted_out_channels": ["sms"],
            "consent_ledger": [{"channels": ["sms"], "given_at": "2025-05-01T10:00:00-05:00"}]}
    a = {"channel": "sms", "at": "2025-06-10T10:00:00-05:00", "debt_id": "D1", "dialer": "manual", "line_type": "mobile"}
    assert _ids(p.check(a, account=acct)) == {"tcpa-revocation"}
    assert p.check({**a, "purpose": "opt_out_confirmation"}, account=acct).allowed


def test_written_consent_channel_rule(tmp_path):
    f = tmp_path / "written.yaml"
    f.write_text("""
id: test-written
title: e-mail and texts need written consent
jurisdiction: US-NY
source: https://example.invalid/
version: "1"
rules:
  - {id: w, kind: channel, citation: test, status: unconfirmed, channels: [email, sms], test: written_consent}
""")
    p = load_policy([str(f)])
    ny = {"jurisdictions": ["US-NY"], "timezones": ["America/New_York"]}
    a = {"channel": "email", "at": "2025-06-10T10:00:00-04:00", "debt_id": "D1"}
    d = p.check(a, account=ny)
    assert _kinds(d) == {"w": "channel"}
    assert p.check(a, account={**ny, "written_consent_channels": ["email"]}).allowed
    assert p.check(a, account={**ny, "consent_ledger": [
        {"channels": ["email"], "given_at": "2025-06-01T10:00:00-04:00", "written": True}]}).allowed
    # oral consent is not written consent; revoked written consent is not in force
    assert not p.check(a, account={**ny, "consent_ledger": [
        {"channels": ["email"], "given_at": "2025-06-01T10:00:00-04:00"}]}).allowed
    assert not p.check(a, account={**ny, "written_consent_channels": ["email"], "consent_ledger": [
        {"channels": ["email"], "revoked_at": "2025-06-05T10:00:00-04:00"}]}).allowed


def test_adding_history_never_turns_a_privacy_denial_into_an_allow(us):
    hist = [{"channel": "call", "at": "2025-06-02T10:00:00-05:00", "debt_ids": ["D1"], "outcome": "conversation",
             "recipient": "third_party", "recipient_id": "N1", "purpose": "location_inquiry"}]
    a = {**NEIGHBOUR_CALL, "at": "2025-06-10T10:00:00-05:00"}
    assert not us.check(a, account=CHI, history=hist).allowed
    more = hist + [{"channel": "sms", "at": "2025-06-03T10:00:00-05:00", "debt_ids": ["D2"], "outcome": "delivered",
                    "recipient": "third_party", "recipient_id": "N1", "purpose": "opt_out_confirmation"}]
    assert not us.check(a, account=CHI, history=more).allowed


def test_refusal_without_recipient_id_fails_closed(cn):
    acct = {**SH, "debtor_unreachable": True, "third_party_refusals": ["EC1"]}
    d = cn.check({k: v for k, v in EC.items() if k != "recipient_id"}, account=acct)
    assert _kinds(d) == {"cn-contacts-stop-after-refusal": "recipient"}
    assert "EC1" not in d.explain() and "EC1" not in json.dumps(d.to_dict())


def test_consent_on_another_number_does_not_cover_an_attempt_without_a_number():
    p = load_policy(["us-tcpa"])
    ledger = [{"channels": ["call"], "address_id": "cell-2", "given_at": "2025-01-10T10:00:00-05:00"}]
    a = {"channel": "call", "at": "2025-06-10T10:00:00-05:00", "debt_id": "D1", "line_type": "mobile",
         "dialer": "autodialer"}
    assert not p.check(a, account={**CHI, "consent_ledger": ledger}).allowed
    assert p.check({**a, "address_id": "cell-2"}, account={**CHI, "consent_ledger": ledger}).allowed
    assert not p.check({**a, "address_id": "cell-3"}, account={**CHI, "consent_ledger": ledger}).allowed
    # consent recorded without a number covers every number of the person
    anyno = [{"channels": ["call"], "given_at": "2025-01-10T10:00:00-05:00"}]
    assert p.check(a, account={**CHI, "consent_ledger": anyno}).allowed
