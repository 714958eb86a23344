"""`collectrules diff`: per rule id, what was added, removed or changed between two versions."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from collectrules.cli import main
from collectrules.diff import compare_values, diff_sources, format_text, load_side, to_dict
from collectrules.errors import InputError

BASE = """\
id: xx-test
title: Test ruleset
jurisdiction: US-NY
scope: {collector_types: [third_party]}
source: https://example.org/rules
version: "1"
rules:
  - id: hours
    kind: contact_hours
    citation: Test 1
    status: confirmed
    windows: [{start: "08:00", end: "21:00"}]
  - id: cap
    kind: frequency_cap
    citation: Test 2
    status: partial
    channels: [call, sms]
    max: 3
    window: {rolling_days: 7}
    effective_from: 2026-09-01
  - id: gone
    kind: account_state
    citation: Test 3
    status: confirmed
    state: cease_communication
"""

NEW = (BASE.replace('version: "1"', 'version: "2"')
       .replace('{start: "08:00", end: "21:00"}', '{start: "08:00", end: "20:00"}')
       .replace("max: 3", "max: 2")
       .replace("effective_from: 2026-09-01", "effective_from: 2026-10-01")
       .replace("channels: [call, sms]", "channels: [sms, call, email]")
       .replace("""  - id: gone
    kind: account_state
    citation: Test 3
    status: confirmed
    state: cease_communication
""", """  - id: fresh
    kind: cooldown
    title: New cooldown
    citation: Test 4
    status: unconfirmed
    days: 7
    after: {outcomes: [conversation]}
"""))


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:  # pragma: no cover
        pytest.skip("git not installed")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "config", "user.email", "t@example.org")
    _git(tmp_path, "config", "user.name", "T")
    rs = tmp_path / "rulesets" / "us"
    rs.mkdir(parents=True)
    (rs / "test.yaml").write_text(BASE)
    (rs / "test.tests.yaml").write_text("tests: []\n")  # a sibling tests file is not a ruleset
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "v1")
    (rs / "test.yaml").write_text(NEW)
    (rs / "other.yaml").write_text(BASE.replace("id: xx-test", "id: xx-other"))
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "v2")
    return tmp_path


def _rule(d, ruleset_id, rule_id):
    rs = next(r for r in d.rulesets if r.ruleset_id == ruleset_id)
    return next(r for r in rs.rules if r.rule_id == rule_id)


def test_git_revision_against_working_tree(repo: Path, monkeypatch) -> None:
    monkeypatch.chdir(repo)
    d = diff_sources("HEAD~1:rulesets", "rulesets")
    ids = {r.ruleset_id: r.status for r in d.rulesets}
    assert ids == {"xx-test": "changed", "xx-other": "added"}
    test = next(r for r in d.rulesets if r.ruleset_id == "xx-test")
    assert [(c.path, c.old, c.new) for c in test.changes] == [("version", "1", "2")]
    cap = _rule(d, "xx-test", "cap")
    changes = {c.path: c for c in cap.changes}
    assert (changes["max"].old, changes["max"].new) == (3, 2)
    assert (changes["effective_from"].old, changes["effective_from"].new) == ("2026-09-01", "2026-10-01")
    # list of plain values: compared as a set, reports the added item only
    assert changes["channels"].added == ("email",) and changes["channels"].removed == ()
    hours = _rule(d, "xx-test", "hours")
    assert [c.path for c in hours.changes] == ["windows"]
    assert hours.changes[0].new == [{"start": "08:00", "end": "20:00"}]
    assert _rule(d, "xx-test", "gone").status == "removed"
    fresh = _rule(d, "xx-test", "fresh")
    assert fresh.status == "added" and fresh.kind == "cooldown" and fresh.rule["days"] == 7


def test_same_revision_has_no_differences(repo: Path, monkeypatch) -> None:
    monkeypatch.chdir(repo)
    d = diff_sources("HEAD:rulesets", "rulesets")
    assert d.empty
    assert "no differences" in format_text(d)


def test_cli_git_option_text_and_exit_codes(repo: Path, monkeypatch) -> None:
    monkeypatch.chdir(repo / "rulesets")  # --git paths are relative to the current directory
    r = CliRunner().invoke(main, ["diff", "--git", "HEAD~1", "."])
    assert r.exit_code == 1, r.output
    assert "~ rule cap (frequency_cap) changed" in r.output
    assert "max: 3 -> 2" in r.output
    assert "effective_from: 2026-09-01 -> 2026-10-01" in r.output
    assert "- rule gone (account_state) removed" in r.output
    assert "+ rule fresh (cooldown) added: New cooldown" in r.output
    assert "+ ruleset xx-other added" in r.output
    same = CliRunner().invoke(main, ["diff", "--git", "HEAD", "."])
    assert same.exit_code == 0, same.output


def test_cli_json_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(BASE)
    (tmp_path / "b.yaml").write_text(NEW)
    r = CliRunner().invoke(main, ["diff", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"), "--format", "json"])
    assert r.exit_code == 1
    data = json.loads(r.output)
    rules = {x["id"]: x for x in data["rulesets"][0]["rules"]}
    assert {c["path"]: c["new"] for c in rules["cap"]["changes"]}["max"] == 2
    assert rules["gone"]["status"] == "removed"


def test_errors_exit_2(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["diff", "nope", "also-nope"])
    assert r.exit_code == 2
    with pytest.raises(InputError):
        load_side(tmp_path / "missing")


def test_unknown_revision_is_an_error(repo: Path, monkeypatch) -> None:
    monkeypatch.chdir(repo)
    with pytest.raises(InputError):
        diff_sources("no-such-rev:rulesets", "rulesets")


def test_compare_values_nested_and_unordered() -> None:
    assert compare_values({"count": {"outcomes_exclude": ["busy", "not_connected"]}},
                          {"count": {"outcomes_exclude": ["not_connected", "busy"]}}) == []
    ch = compare_values({"window": {"rolling_days": 7}}, {"window": {"rolling_days": 30}})
    assert [(c.path, c.old, c.new) for c in ch] == [("window.rolling_days", 7, 30)]
    ch = compare_values({"a": 1}, {"a": 1, "effective_until": "2026-08-31"})
    assert [(c.path, c.old, c.new) for c in ch] == [("effective_until", None, "2026-08-31")]


def test_shipped_rulesets_compare_equal_to_themselves() -> None:
    here = Path(__file__).resolve().parents[1] / "rulesets"
    d = diff_sources(here, here)
    assert d.empty
    assert to_dict(d)["rulesets"] == []
