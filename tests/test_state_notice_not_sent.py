"""The ``notice_not_sent`` account state: no contact until the written notice was sent
(``Account.notice_sent_at`` at or before the attempt). Used by the Hong Kong Code of Banking
Practice (written notice before a debt collection agency acts) and Taiwan's outsourcing rules."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import collectrules

RULESET = """
id: test-notice
title: test notice state
jurisdiction: HK
source: https://example.org/notice
version: "1"
rules:
  - id: agency-needs-notice
    kind: account_state
    citation: test citation
    status: confirmed
    state: notice_not_sent
    applies_to: {collector_types: [third_party]}
"""

UTC8 = dt.timezone(dt.timedelta(hours=8))
AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=UTC8)


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    p = tmp_path_factory.mktemp("rs") / "notice.yaml"
    p.write_text(RULESET, encoding="utf-8")
    return collectrules.load_policy([str(p)])


def account(**kw):
    return {"jurisdictions": ["HK"], "timezones": ["Asia/Hong_Kong"], "collector_type": "third_party", **kw}


def attempt(at=AT):
    return {"channel": "call", "at": at.isoformat(), "debt_id": "D1"}


def test_unset_notice_denies_and_waiting_does_not_help(policy):
    d = policy.check(attempt(), account=account())
    assert not d.allowed
    assert [v.rule_id for v in d.violations] == ["agency-needs-notice"]
    assert "notice_sent_at is unset" in d.violations[0].message
    assert d.next_allowed_at is None


def test_notice_before_or_at_the_attempt_allows(policy):
    assert policy.check(attempt(), account=account(notice_sent_at=AT.isoformat())).allowed
    earlier = AT - dt.timedelta(days=30)
    assert policy.check(attempt(), account=account(notice_sent_at=earlier.isoformat())).allowed


def test_future_dated_notice_denies_until_it(policy):
    sent = AT + dt.timedelta(seconds=1)
    d = policy.check(attempt(), account=account(notice_sent_at=sent.isoformat()))
    assert not d.allowed
    assert d.next_allowed_at == sent
    assert policy.next_allowed(attempt(), account=account(notice_sent_at=sent.isoformat())) == sent


def test_scoped_by_applies_to(policy):
    assert policy.check(attempt(), account=account(collector_type="first_party")).allowed


def test_naive_notice_rejected(policy):
    with pytest.raises(collectrules.InputError):
        policy.check(attempt(), account=account(notice_sent_at="2026-03-01T10:00:00"))


@settings(max_examples=100, deadline=None)
@given(offset=st.integers(min_value=-10 * 86400, max_value=10 * 86400))
def test_allowed_iff_notice_not_after_attempt(policy, offset):
    sent = AT + dt.timedelta(seconds=offset)
    d = policy.check(attempt(), account=account(notice_sent_at=sent.isoformat()))
    assert d.allowed is (offset <= 0)
