"""The CLI (exit codes, formats) and the public API surface."""

import json
import re
from pathlib import Path

from click.testing import CliRunner

import collectrules
from collectrules.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_check_shipped_example_is_denied_with_citation():
    r = run("check", str(ROOT / "examples" / "call-chicago-late.json"))
    assert r.exit_code == 1, r.output
    assert "DENIED" in r.output and "12 CFR 1006.6(b)(1)(i)" in r.output
    assert "next allowed at 2025-06-03T08:00:00-05:00" in r.output


def test_check_json_and_explain():
    req = {"attempt": {"channel": "call", "at": "2025-06-02T12:00:00-05:00", "debt_id": "D1", "dialer": "manual"},
           "account": {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]}}
    r = run("check", "-", "--format", "json", "--explain", input=json.dumps(req))
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["allowed"] is True and data["trace"]
    r = run("check", "-", "--explain", input=json.dumps(req))
    assert "PASS us-federal/regf-call-frequency-7-in-7" in r.output


def test_check_list_and_jsonl():
    req = {"attempt": {"channel": "call", "at": "2025-06-02T12:00:00-05:00", "debt_id": "D1", "dialer": "manual"},
           "account": {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]}}
    late = json.loads(json.dumps(req))
    late["attempt"]["at"] = "2025-06-02T22:00:00-05:00"
    r = run("check", "-", "--format", "json", input="\n".join(json.dumps(x) for x in (req, late)))
    assert r.exit_code == 1
    assert [d["allowed"] for d in json.loads(r.output)] == [True, False]


def test_check_invalid_input_exits_2():
    r = run("check", "-", input='{"attempt": {"channel": "call", "at": "2025-06-02T12:00:00", "debt_id": "D", "dialer": "manual"},'
                                ' "account": {"jurisdictions": ["US-IL"]}}')
    assert r.exit_code == 2
    r = run("check", "-", input="[1, 2]")
    assert r.exit_code == 2
    r = run("check", "-", "--ruleset", "no-such-ruleset", input="{}")
    assert r.exit_code == 2


def test_validate_test_list_schema():
    r = run("validate", str(ROOT / "rulesets"))
    assert r.exit_code == 0 and r.output.startswith("ok:")
    r = run("test", str(ROOT / "rulesets"))
    assert r.exit_code == 0, r.output
    assert re.search(r"^\d+ passed, 0 failed; (\d+) of \1 rules covered$", r.output, re.M), r.output
    r = run("list")
    assert "us-federal" in r.output and "us-ma" in r.output
    r = run("schema")
    assert json.loads(r.output)["$schema"].startswith("http://json-schema.org/draft-07")


def test_validate_reports_problems(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("id: bad\ntitle: t\njurisdiction: XX-YY\nsource: nope\nversion: 1\nrules: []\n")
    r = run("validate", str(p))
    assert r.exit_code == 1
    assert f"{p}:3:" in r.output and f"{p}:4:" in r.output


def test_public_api_all_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    api_doc = (ROOT / "docs" / "api.rst").read_text(encoding="utf-8")
    for name in collectrules.__all__:
        assert hasattr(collectrules, name)
        if not name.startswith("__"):
            assert name in api_doc, f"{name} missing from docs/api.rst"
    assert "load_policy" in readme


def test_decision_to_dict_is_json_ready(regf):
    d = regf.check({"channel": "call", "at": "2025-06-02T21:00:00-05:00", "debt_id": "D1", "dialer": "manual"},
                   account={"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"], "account_id": "A-1"})
    data = json.loads(json.dumps(d.to_dict()))
    assert data["allowed"] is False
    assert data["account_id"] == "A-1"
    v = data["violations"][0]
    assert v["rule_id"] == "regf-inconvenient-time" and v["ruleset"] == "us-federal"
    assert v["until"] == "2025-06-03T08:00:00-05:00"
    assert data["next_allowed_at"] == "2025-06-03T08:00:00-05:00"
