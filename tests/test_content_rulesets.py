"""Content rule kinds in user rulesets: wording kinds, validation errors with positions,
languages, and the shipped rulesets' own cases."""

import textwrap

import pytest

import collectrules
from collectrules import RulesetError
from collectrules.ruleset.schema import json_schema
from collectrules.testing import run_tests

HEAD = """id: t-content
title: test
jurisdiction: US
source: https://example.org/
version: "1"
rules:
"""
ACCT = {"jurisdictions": ["US"], "timezones": ["America/New_York"]}


def load(tmp_path, rules: str):
    p = tmp_path / "r.yaml"
    p.write_text(HEAD + textwrap.indent(textwrap.dedent(rules), "  "), encoding="utf-8")
    return collectrules.load_policy([str(p)]), p


def test_phrase_exact_and_language(tmp_path):
    policy, _ = load(tmp_path, """
    - id: need-phrase
      kind: disclosure
      citation: x
      status: unconfirmed
      element: the notice
      languages: [en]
      accept:
        - phrase: "Reply STOP to opt out"
    - id: no-exact
      kind: prohibited_content
      citation: x
      status: unconfirmed
      match:
        - exact: "ACME"
        - phrase: "最后通牒"
          language: zh
    """)
    ok = policy.check_message("reply—stop, TO opt-out!", channel="sms", account=ACCT)
    assert ok.ok
    r = policy.check_message("Acme ACME", channel="sms", account=ACCT, language="en")
    assert {f.rule_id for f in r.findings} == {"need-phrase", "no-exact"}
    assert [f.span for f in r.findings if f.rule_id == "no-exact"] == [(5, 9)]  # exact: case matters
    # a rule limited to English does not apply to a Chinese message; a zh wording does
    r = policy.check_message("最后 通牒", channel="sms", account=ACCT, language="zh-CN")
    assert {f.rule_id for f in r.findings} == {"no-exact"}
    assert r.findings[0].matched == "最后 通牒"
    r = policy.check_message("最后通牒 Reply STOP to opt out", channel="sms", account=ACCT, language="en")
    assert r.ok  # the zh wording is not tried on an English message


@pytest.mark.parametrize("bad, line, col, msg", [
    ('      - pattern: "(a)\\\\1"\n', 13, 18, "not supported by RE2"),
    ('      - pattern: "(?<=a)b"\n', 13, 18, "not supported by RE2"),
    ('      - {phrase: "x", pattern: "y"}\n', 13, 9, "exactly one of"),
    ('      - phrase: "!!!"\n', 13, 17, "no letters or digits"),
])
def test_bad_wordings_are_ruleset_errors_with_positions(tmp_path, bad, line, col, msg):
    text = HEAD + """  - id: r1
    kind: prohibited_content
    citation: x
    status: unconfirmed
    match:
      - phrase: ok
""" + bad
    p = tmp_path / "bad.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(RulesetError) as ei:
        collectrules.load_policy([str(p)])
    (prob,) = ei.value.problems
    assert prob.rule_id == "r1" and msg in prob.message
    assert (prob.line, prob.column) == (line, col), str(prob)


def test_limited_content_in_a_transcript(tmp_path):
    policy = collectrules.load_policy(["us-federal"])
    acct = {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]}
    turns = [("agent", 0.0, "Hi, this is Jane Smith from ABC Services."),
             ("agent", 3.0, "Please call me back at 555-123-4567 about your overdue bill.")]
    r = policy.check_transcript(turns, channel="voicemail", account=acct, stage="limited_content")
    assert not r.ok
    f = [f for f in r.findings if f.matched == "overdue"][0]
    assert f.turn == 1 and turns[1][2][f.span[0]:f.span[1]] == "overdue"
    clean = [("agent", 0.0, "Hi, this is Jane Smith from ABC Services."),
             ("agent", 3.0, "Please call me back at 555-123-4567.")]
    assert policy.check_transcript(clean, channel="voicemail", account=acct, stage="limited_content").ok


def test_json_schema_lists_content_kinds():
    schema = json_schema()
    text = str(schema)
    for kind in ("disclosure", "prohibited_content", "limited_content"):
        assert kind in text
    assert "Wording" in schema["definitions"]


def test_shipped_rulesets_content_cases_pass_and_cover_every_rule():
    report = run_tests(["us-federal", "cn-content", "us-ca-content"])
    assert report.ok, [(c.name, c.message) for c in report.failed]
    assert not report.untested
    assert sum(1 for c in report.cases if c.ruleset == "cn-content") >= 5
    assert sum(1 for c in report.cases if c.ruleset == "us-ca-content") >= 5


def test_message_case_failure_is_reported(tmp_path):
    p = tmp_path / "r.yaml"
    p.write_text(HEAD + """  - id: need-stop
    kind: disclosure
    citation: x
    status: unconfirmed
    element: opt-out
    accept: [{pattern: "reply stop"}]
tests:
  - name: wrong expectation
    attempt: {channel: sms, at: "2025-06-02T12:00:00-04:00", debt_id: D1}
    account: {jurisdictions: [US], timezones: [America/New_York]}
    message: {text: "hello"}
    expect: {allowed: true}
""", encoding="utf-8")
    report = run_tests([str(p)])
    (case,) = report.cases
    assert not case.passed and "need-stop" in case.message
