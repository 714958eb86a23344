"""Issue #8: house rules alone drop the shipped rulesets — the CLI says so, decisions name the
rulesets applied, and an account no loaded ruleset covers stays denied."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import collectrules
from collectrules.cli import main

HOUSE = """
id: house-quiet-hours
title: house quiet hours (test)
jurisdiction: US-IL
source: https://example.org/house
version: "1"
rules:
  - id: house-no-sunday
    kind: blackout
    citation: house policy
    status: confirmed
    weekdays: [sun]
"""

MA_LATE = {"attempt": {"channel": "call", "dialer": "manual", "at": "2025-06-02T21:30:00-04:00", "debt_id": "D1"},
           "account": {"jurisdictions": ["US-MA"], "timezones": ["America/New_York"]}}
IL_LATE = {"attempt": {"channel": "call", "dialer": "manual", "at": "2025-06-02T21:30:00-05:00", "debt_id": "D1"},
           "account": {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]}}


@pytest.fixture()
def house(tmp_path):
    p = tmp_path / "house.yaml"
    p.write_text(HOUSE)
    return str(p)


def _run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_house_rules_alone_print_a_notice_on_stderr(house):
    r = _run("check", "-", "-r", house, input=json.dumps(IL_LATE))
    assert "notice: no shipped ruleset is loaded" in r.stderr
    assert "house-quiet-hours" in r.stderr
    assert "notice" not in r.stdout
    # the house file alone does not know Reg F's 21:00: allowed, and the notice says why
    assert r.exit_code == 0


def test_no_notice_when_shipped_rulesets_are_stacked(house):
    r = _run("check", "-", "-r", "shipped", "-r", house, input=json.dumps(IL_LATE))
    assert "notice" not in r.stderr
    assert r.exit_code == 1 and "regf-inconvenient-time" in r.stdout
    r = _run("check", "-", "-r", "us-federal", input=json.dumps(IL_LATE))
    assert "notice" not in r.stderr


def test_an_account_no_loaded_ruleset_covers_stays_denied(house):
    # the house ruleset covers US-IL only: a Massachusetts account is denied, not allowed
    r = _run("check", "-", "-r", house, "--format", "json", input=json.dumps(MA_LATE))
    assert r.exit_code == 1
    data = json.loads(r.stdout)
    assert data["allowed"] is False and data["violations"][0]["rule_id"] == "no-ruleset"
    assert data["rulesets"] == []


def test_to_dict_and_explain_name_the_rulesets_applied(house):
    p = collectrules.load_policy([house])
    d = p.check(IL_LATE["attempt"], account=IL_LATE["account"])
    assert d.to_dict()["rulesets"] == ["house-quiet-hours"]
    assert "rulesets applied: house-quiet-hours" in d.explain()
    full = collectrules.load_policy(["shipped", house])
    d = full.check(IL_LATE["attempt"], account=IL_LATE["account"])
    assert {"us-federal", "house-quiet-hours"} <= set(d.to_dict()["rulesets"])
    line = next(l for l in d.explain().splitlines() if l.startswith("rulesets applied: "))
    assert "us-federal" in line and "house-quiet-hours" in line
    uncovered = p.check(MA_LATE["attempt"], account=MA_LATE["account"])
    assert "rulesets applied: none" in uncovered.explain()


def test_shipped_flag_on_compiled_rulesets(house):
    p = collectrules.load_policy(["us-federal", house])
    assert {rs.id: rs.shipped for rs in p.rulesets} == {"us-federal": True, "house-quiet-hours": False}
