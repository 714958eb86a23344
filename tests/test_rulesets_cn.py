"""Acceptance and property tests for the shipped China, Hong Kong and Taiwan timing rulesets.

Values come from the texts (see the rulesets' citations):
- GB/T 45251-2025: no collection 22:00-08:00 unless a time was agreed; at most 3 active
  effective voice conversations (AI voice included) with a debtor per day.
- CBA 2026 consumer-loan guideline: 22:00-08:00 for phone, visits and other collection unless
  the debtor consents; unanswered attempts to the same contact method should not exceed 6 a day.
- Taiwan insurers' outsourcing 注意事項 第12點: collection 07:00-22:00 unless the debtor consents.
- Hong Kong Code of Banking Practice: written notice before a DCA collects; no clock hours.

Every test loads all shipped rulesets with ``collectrules.load_policy()``, so these are stacking
tests: the account's jurisdiction and institution type pick the rules.
"""

from __future__ import annotations

import datetime as dt

import pytest
import pytz
from hypothesis import given, settings
from hypothesis import strategies as st

import collectrules
from collectrules import Account, Contact, ContactAttempt
from collectrules.testing import run_tests

SH = pytz.timezone("Asia/Shanghai")
TPE = pytz.timezone("Asia/Taipei")
HKT = pytz.timezone("Asia/Hong_Kong")


@pytest.fixture(scope="module")
def policy():
    return collectrules.load_policy()


def sh(y, mo, d, h, mi=0, s=0):
    return SH.localize(dt.datetime(y, mo, d, h, mi, s))


def shanghai(institution_type="internet_lender", **kw):
    return Account(jurisdictions=["CN-SH"], timezones=["Asia/Shanghai"], institution_type=institution_type, **kw)


def call(at, **kw):
    return ContactAttempt(channel="call", at=at, debt_id=kw.pop("debt_id", "L1"), **kw)


def past(at, outcome, **kw):
    return Contact(channel=kw.pop("channel", "call"), at=at, debt_ids=kw.pop("debt_ids", ["L1"]), outcome=outcome, **kw)


def ids(violations):
    return {v.rule_id for v in violations}


# --------------------------------------------------------------------------------------------
# issue 3 acceptance: Shanghai


def test_shanghai_2130_allowed(policy):
    d = policy.check(call(sh(2026, 3, 2, 21, 30)), account=shanghai())
    assert d.allowed, d.explain()
    assert "cn-gbt-45251" in d.rulesets


def test_shanghai_2200_denied_until_0800(policy):
    d = policy.check(call(sh(2026, 3, 2, 22, 0)), account=shanghai())
    assert not d.allowed
    assert "cn-gbt-quiet-hours" in ids(d.violations)
    assert d.next_allowed_at == sh(2026, 3, 3, 8, 0)


@pytest.mark.parametrize("at,allowed", [
    ((21, 59, 59), True), ((22, 0, 0), False), ((7, 59, 59), False), ((8, 0, 0), True),
])
def test_shanghai_boundary_seconds(policy, at, allowed):
    d = policy.check(call(sh(2026, 3, 3, *at)), account=shanghai())
    assert d.allowed is allowed
    assert ("cn-gbt-quiet-hours" in ids(d.violations)) is (not allowed)


def test_fourth_effective_conversation_denied(policy):
    history = [past(sh(2026, 3, 2, h), "conversation") for h in (9, 11, 14)]
    d = policy.check(call(sh(2026, 3, 2, 16)), account=shanghai(), history=history)
    assert not d.allowed
    assert ids(d.violations) >= {"cn-gbt-effective-conversations"}
    v = next(v for v in d.violations if v.rule_id == "cn-gbt-effective-conversations")
    assert "4 of max 3" in v.message
    assert v.citation.startswith("GB/T 45251-2025")
    # the next local day, once the quiet hours end
    assert d.next_allowed_at == sh(2026, 3, 3, 8, 0)


def test_third_effective_conversation_allowed(policy):
    history = [past(sh(2026, 3, 2, h), "conversation") for h in (9, 11)]
    d = policy.check(call(sh(2026, 3, 2, 16)), account=shanghai(), history=history)
    assert d.allowed, d.explain()


def test_fourth_unanswered_dial_allowed(policy):
    history = [past(sh(2026, 3, 2, h), "no_answer") for h in (9, 11, 14)]
    d = policy.check(call(sh(2026, 3, 2, 16)), account=shanghai(), history=history)
    assert d.allowed, d.explain()
    assert "cn-gbt-effective-conversations" not in ids(d.violations) | ids(d.warnings)


def test_ai_voice_conversations_count(policy):
    history = [past(sh(2026, 3, 2, h), "conversation", dialer="ai_voice") for h in (9, 11, 14)]
    d = policy.check(call(sh(2026, 3, 2, 16), dialer="ai_voice"), account=shanghai(), history=history)
    assert "cn-gbt-effective-conversations" in ids(d.violations)


def test_agency_and_lender_conversations_combined_across_debts(policy):
    # the debtor's history across the lender, its agency and two loans: one daily count
    history = [past(sh(2026, 3, 2, 9), "conversation", debt_ids=["L1"]),
               past(sh(2026, 3, 2, 11), "conversation", debt_ids=["L2"]),
               past(sh(2026, 3, 2, 14), "conversation", debt_ids=["L1", "L2"])]
    d = policy.check(call(sh(2026, 3, 2, 16), debt_id="L2"),
                     account=shanghai("collection_agency", collector_type="third_party"), history=history)
    assert "cn-gbt-effective-conversations" in ids(d.violations)


def test_inbound_conversations_not_counted(policy):
    history = [past(sh(2026, 3, 2, h), "conversation", direction="inbound") for h in (9, 11, 14)]
    d = policy.check(call(sh(2026, 3, 2, 16)), account=shanghai(), history=history)
    assert "cn-gbt-effective-conversations" not in ids(d.violations)


def test_conversations_yesterday_do_not_count(policy):
    history = [past(sh(2026, 3, 1, h), "conversation") for h in (9, 11, 14, 20)]
    d = policy.check(call(sh(2026, 3, 2, 8)), account=shanghai(), history=history)
    assert d.allowed, d.explain()


def _unanswered_on(number, n, day=2):
    outcomes = ["no_answer", "busy", "not_connected", "voicemail", "no_answer", "no_answer", "no_answer"]
    return [past(sh(2026, 3, day, 9 + i), outcomes[i % len(outcomes)], address_id=number) for i in range(n)]


def test_bank_seventh_unanswered_dial_warns_but_allows(policy):
    d = policy.check(call(sh(2026, 3, 2, 16), address_id="M1"), account=shanghai("bank"),
                     history=_unanswered_on("M1", 6))
    assert d.allowed, d.explain()
    assert "cn-cba-unanswered-attempts" in ids(d.warnings)
    w = next(v for v in d.warnings if v.rule_id == "cn-cba-unanswered-attempts")
    assert w.severity == "warn" and "7 of max 6" in w.message
    assert {"cn-gbt-45251", "cn-cba-consumer-loan-2026"} <= set(d.rulesets)


def test_bank_sixth_unanswered_dial_no_warning(policy):
    d = policy.check(call(sh(2026, 3, 2, 16), address_id="M1"), account=shanghai("bank"),
                     history=_unanswered_on("M1", 5))
    assert d.allowed
    assert "cn-cba-unanswered-attempts" not in ids(d.warnings)


def test_unanswered_limit_is_per_number(policy):
    d = policy.check(call(sh(2026, 3, 2, 16), address_id="M2"), account=shanghai("bank"),
                     history=_unanswered_on("M1", 6))
    assert "cn-cba-unanswered-attempts" not in ids(d.warnings)


def test_internet_lender_not_bound_by_cba(policy):
    d = policy.check(call(sh(2026, 3, 2, 16), address_id="M1"), account=shanghai("internet_lender"),
                     history=_unanswered_on("M1", 6))
    assert "cn-cba-unanswered-attempts" not in ids(d.warnings)
    assert "cn-cba-consumer-loan-2026" not in d.rulesets


def test_cba_debtor_consent_lifts_quiet_hours_but_gbt_needs_agreed_hours(policy):
    at = sh(2026, 3, 2, 22, 30)
    consent = call(at, consent_given_at=sh(2026, 3, 2, 18))
    d = policy.check(consent, account=shanghai("bank"))
    # CBA accepts the debtor's consent; the GB/T needs an agreed time (the stricter rule wins)
    assert "cn-cba-quiet-hours" not in ids(d.violations)
    assert "cn-gbt-quiet-hours" in ids(d.violations)
    agreed = shanghai("bank", contact_consent_hours=[{"start": "22:00", "end": "23:00"}])
    d2 = policy.check(call(at), account=agreed)
    assert not ({"cn-gbt-quiet-hours", "cn-cba-quiet-hours"} & ids(d2.violations)), d2.explain()


def test_agreed_hours_do_not_cover_third_parties(policy):
    agreed = shanghai("bank", contact_consent_hours=[{"start": "22:00", "end": "23:00"}])
    d = policy.check(call(sh(2026, 3, 2, 22, 30), recipient="emergency_contact", purpose="location_inquiry"),
                     account=agreed)
    assert not d.allowed
    assert {"cn-gbt-quiet-hours-others", "cn-cba-quiet-hours-others"} <= ids(d.violations)


def test_china_has_no_dst(policy):
    # a July evening: the offset is still +08:00 and the same wall-clock boundary applies
    assert policy.check(call(sh(2025, 7, 15, 21, 59, 59)), account=shanghai()).allowed
    d = policy.check(call(sh(2025, 7, 15, 22)), account=shanghai())
    assert "cn-gbt-quiet-hours" in ids(d.violations)


def test_account_without_zone_uses_beijing_time(policy):
    acct = Account(jurisdictions=["CN"], institution_type="bank")
    d = policy.check(call(sh(2026, 3, 2, 22)), account=acct)
    assert "cn-gbt-quiet-hours" in ids(d.violations)


def test_effective_dates_pick_nifa_2024_then_gbt(policy):
    # 2024: the interim NIFA guideline; from 2025-02-28 the national standard replaces it
    d = policy.check(call(sh(2024, 9, 2, 22)), account=shanghai())
    assert "cn-nifa-2024-quiet-hours" in ids(d.violations)
    assert "cn-gbt-quiet-hours" not in ids(d.violations)
    d = policy.check(call(sh(2025, 2, 28, 22)), account=shanghai())
    assert "cn-gbt-quiet-hours" in ids(d.violations)
    assert "cn-nifa-2024-quiet-hours" not in ids(d.violations)


@settings(max_examples=200, deadline=None)
@given(seconds=st.integers(min_value=0, max_value=24 * 3600 - 1), days=st.integers(min_value=0, max_value=700))
def test_gbt_quiet_hours_property(policy, seconds, days):
    """Over any instant: the debtor call is denied by the quiet hours iff local time-of-day is
    outside [08:00:00, 22:00:00)."""
    day = dt.date(2025, 3, 1) + dt.timedelta(days=days)
    local = SH.localize(dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds))
    d = policy.check(call(local), account=shanghai(), next_allowed=False)
    inside = 8 * 3600 <= seconds < 22 * 3600
    assert ("cn-gbt-quiet-hours" in ids(d.violations)) is (not inside)


@settings(max_examples=100, deadline=None)
@given(conversations=st.integers(min_value=0, max_value=6), unanswered=st.integers(min_value=0, max_value=10))
def test_gbt_cap_counts_only_conversations(policy, conversations, unanswered):
    history = [past(sh(2026, 3, 2, 8) + dt.timedelta(minutes=5 * i), "conversation") for i in range(conversations)]
    history += [past(sh(2026, 3, 2, 12) + dt.timedelta(minutes=5 * i), "no_answer") for i in range(unanswered)]
    d = policy.check(call(sh(2026, 3, 2, 18)), account=shanghai(), history=history, next_allowed=False)
    assert ("cn-gbt-effective-conversations" in ids(d.violations)) is (conversations >= 3)


# --------------------------------------------------------------------------------------------
# Hong Kong and Taiwan


def test_hk_dca_needs_prior_written_notice(policy):
    acct = dict(jurisdictions=["HK"], timezones=["Asia/Hong_Kong"], institution_type="bank", collector_type="third_party")
    at = HKT.localize(dt.datetime(2026, 3, 2, 10))
    d = policy.check(call(at), account=Account(**acct))
    assert not d.allowed and "hk-cbp-dca-prior-notice" in ids(d.violations)
    assert d.next_allowed_at is None  # waiting does not help: the notice must be sent
    sent = Account(**acct, notice_sent_at=HKT.localize(dt.datetime(2026, 2, 20, 9)))
    assert policy.check(call(at), account=sent).allowed


def test_hk_no_clock_hours_invented(policy):
    acct = Account(jurisdictions=["HK"], timezones=["Asia/Hong_Kong"], institution_type="bank",
                   collector_type="first_party")
    d = policy.check(call(HKT.localize(dt.datetime(2026, 3, 2, 23, 30))), account=acct)
    assert not any(v.ruleset == "hk-cbp-timing" for v in (*d.violations, *d.warnings))


@pytest.mark.parametrize("hms,denied", [((21, 59, 59), False), ((22, 0, 0), True), ((6, 59, 59), True), ((7, 0, 0), False)])
def test_tw_insurer_hours(policy, hms, denied):
    acct = Account(jurisdictions=["TW"], timezones=["Asia/Taipei"], institution_type="insurer",
                   collector_type="first_party")
    d = policy.check(call(TPE.localize(dt.datetime(2025, 3, 4, *hms))), account=acct)
    assert ("tw-insurance-collection-hours" in ids(d.violations)) is denied


def test_tw_rejects_22_to_06_claim(policy):
    acct = Account(jurisdictions=["TW"], timezones=["Asia/Taipei"], institution_type="insurer",
                   collector_type="first_party")
    d = policy.check(call(TPE.localize(dt.datetime(2025, 3, 4, 6, 30))), account=acct)
    assert "tw-insurance-collection-hours" in ids(d.violations)
    assert d.next_allowed_at == TPE.localize(dt.datetime(2025, 3, 4, 7, 0))


def test_tw_bank_hours_are_a_warning(policy):
    acct = Account(jurisdictions=["TW"], timezones=["Asia/Taipei"], institution_type="bank",
                   collector_type="first_party")
    d = policy.check(call(TPE.localize(dt.datetime(2025, 3, 3, 22, 30))), account=acct)
    assert "tw-bank-collection-hours" in ids(d.warnings)
    assert not any(v.ruleset == "tw-timing" for v in d.violations)


# --------------------------------------------------------------------------------------------
# provenance and the rulesets' own cases

OURS = ("cn-gbt-45251", "cn-cba-consumer-loan-2026", "cn-nifa-2024", "hk-cbp-timing", "tw-timing")


def test_provenance_on_every_rule(policy):
    for rs_id in OURS:
        rs = policy.ruleset(rs_id)
        assert rs.source.startswith("http")
        for rule in rs.rules:
            assert rule.citation and rule.source.startswith("http"), rule.rule_id
            assert rule.status in ("confirmed", "partial", "unconfirmed")
            if rule.status != "confirmed":
                assert rule.model.note, f"{rule.rule_id}: a rule that is not confirmed needs a note"


def test_real_numbers(policy):
    gbt = {r.rule_id: r for r in policy.ruleset("cn-gbt-45251").rules}
    cba = {r.rule_id: r for r in policy.ruleset("cn-cba-consumer-loan-2026").rules}
    assert gbt["cn-gbt-effective-conversations"].max == 3
    assert cba["cn-cba-unanswered-attempts"].max == 6
    assert cba["cn-cba-unanswered-attempts"].severity == "warn"
    assert policy.ruleset("cn-gbt-45251").effective_from == dt.date(2025, 2, 28)
    assert policy.ruleset("cn-cba-consumer-loan-2026").effective_from == dt.date(2026, 1, 30)


def test_own_cases_pass_and_cover_every_rule():
    report = run_tests(list(OURS))
    assert report.ok, [(c.name, c.message) for c in report.failed]
    for rs_id in OURS:
        assert not report.untested.get(rs_id), report.untested
        assert sum(1 for c in report.cases if c.ruleset == rs_id) >= 5
