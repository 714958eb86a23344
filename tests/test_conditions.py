"""Selectors fail closed on facts the caller did not give: an unknown institution type, debt type
or days past due makes an ``applies_to`` block match (the rule applies) and an ``unless`` block
not match (the exception is not granted)."""

import textwrap

import pytest

import collectrules

RULESET = textwrap.dedent("""\
    id: t-conditions
    title: selector test
    jurisdiction: US-IL
    source: https://example.invalid/t
    version: "1"
    rules:
      - id: banks-cards-no-sunday
        kind: blackout
        citation: test
        status: confirmed
        weekdays: [sun]
        applies_to: {institution_types: [bank], debt_types: [credit_card]}
      - id: quiet-unless-late
        kind: contact_hours
        citation: test
        status: confirmed
        windows: [{start: "09:00", end: "17:00"}]
        unless: [{days_past_due_over: 15}, {institution_types: [insurer]}]
""")


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    p = tmp_path_factory.mktemp("c") / "t.yaml"
    p.write_text(RULESET, encoding="utf-8")
    return collectrules.load_policy([p])


SUNDAY_NOON = {"channel": "call", "at": "2025-06-01T12:00:00-05:00", "debt_id": "D"}
MONDAY_EVENING = {"channel": "call", "at": "2025-06-02T18:00:00-05:00", "debt_id": "D"}


def acct(**kw):
    return {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"], **kw}


@pytest.mark.parametrize("facts, applies", [
    ({}, True),                                                     # nothing known: applies
    ({"institution_type": "bank"}, True),
    ({"institution_type": "bank", "debt_type": "credit_card"}, True),
    ({"institution_type": "bank", "debt_type": "mortgage"}, False),
    ({"institution_type": "consumer_finance"}, False),
    ({"debt_type": "auto_loan"}, False),
])
def test_applies_to_unknown_facts_match(policy, facts, applies):
    d = policy.check(SUNDAY_NOON, account=acct(**facts))
    assert (not d.allowed) is applies


@pytest.mark.parametrize("facts, exempt", [
    ({}, False),                        # days past due unknown: no exception
    ({"days_past_due": 15}, False),
    ({"days_past_due": 16}, True),
    ({"institution_type": "insurer"}, True),
    ({"institution_type": "bank"}, False),
])
def test_unless_unknown_facts_do_not_match(policy, facts, exempt):
    d = policy.check(MONDAY_EVENING, account=acct(**facts))
    assert d.allowed is exempt
