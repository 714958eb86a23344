"""The examples in the docs are real: they load and behave as the docs say."""

import re
import textwrap
from pathlib import Path

import collectrules

DOCS = Path(__file__).resolve().parent.parent / "docs"

HEADER = """id: acme-house
title: ACME house policy
jurisdiction: US
source: https://example.invalid/acme
version: "1"
rules:
"""


def test_frequency_cap_example_in_the_ruleset_language_doc(tmp_path):
    text = (DOCS / "ruleset-language.rst").read_text(encoding="utf-8")
    block = re.search(r"Example::\n\n((?:      .*\n|\n)+)", text).group(1)
    rule = textwrap.indent(textwrap.dedent(block), "  ")
    p = tmp_path / "acme.yaml"
    p.write_text(HEADER + rule, encoding="utf-8")
    policy = collectrules.load_policy(["shipped", p])
    acct = {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]}
    hist = [{"channel": "call", "at": f"2025-06-02T{h:02d}:00:00-05:00", "debt_ids": ["D"], "outcome": "no_answer"}
            for h in (9, 11, 13)]
    d = policy.check({"channel": "call", "at": "2025-06-02T15:00:00-05:00", "debt_id": "D", "dialer": "manual"}, account=acct, history=hist)
    assert [v.rule_id for v in d.violations] == ["acme-3-calls-a-day"]
    assert "us-federal" in d.rulesets
