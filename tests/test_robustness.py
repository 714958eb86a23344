"""Fail-closed behaviour on hostile or careless input (found by adversarial testing)."""

import json

import pytest
from click.testing import CliRunner

import collectrules
from collectrules import InputError
from collectrules.cli import main

from .conftest import call, contact


def test_every_listed_jurisdiction_contributes_its_zones(shipped):
    # 10:00 Chicago is 23:00 in Beijing: the Chinese rules' quiet hours must still be checked
    d = shipped.check(call("2025-06-03T10:00:00-05:00"), account={"jurisdictions": ["US-IL", "CN"]})
    assert not d.allowed and "cn-gbt-quiet-hours" in {v.rule_id for v in d.violations}
    # 08:30 New York is 07:30 Chicago
    d = shipped.check(call("2025-06-03T08:30:00-04:00"), account={"jurisdictions": ["US-IL", "US-NY-NYC"]})
    assert not d.allowed


def test_overlapping_debt_groups_merge_whatever_their_order(shipped):
    hist = [contact(f"2025-06-0{i}T10:00:00-04:00", debts=("b",)) for i in (1, 2)]
    base = {"jurisdictions": ["US-MA"], "timezones": ["America/New_York"]}
    for groups in ([["a", "b"], ["b", "c"]], [["b", "c"], ["a", "b"]]):
        d = shipped.check(call("2025-06-03T10:00:00-04:00", debt="a"), account={**base, "debt_groups": groups},
                          history=hist)
        assert not d.allowed, groups


@pytest.mark.parametrize("zone", ["EST", "Etc/GMT+5", "UTC", "GMT"])
def test_fixed_offset_zone_names_are_refused(regf, zone):
    with pytest.raises(InputError, match="fixed .* offset, not a place"):
        regf.check(call("2025-07-01T21:30:00-04:00"), account={"jurisdictions": ["US-NY"], "timezones": [zone]})


@pytest.mark.parametrize("at", ["9999-12-31T10:00:00-05:00", "0001-01-01T10:00:00+14:00", "1850-01-01T10:00:00Z"])
def test_instants_outside_the_supported_years_are_input_errors(shipped, at):
    with pytest.raises(InputError, match="supported years"):
        shipped.check(call(at), account={"jurisdictions": ["CA-ON"], "timezones": ["America/Toronto"]})


@pytest.mark.parametrize("history", [5, "x", {}])
def test_history_must_be_a_list(regf, history):
    with pytest.raises(InputError, match="history"):
        regf.check(call("2025-06-02T12:00:00-05:00"), account={"jurisdictions": ["US-IL"]}, history=history)


@pytest.mark.parametrize("history", [{}, "", 0, False, 5])
def test_cli_rejects_a_history_that_is_not_a_list(tmp_path, history):
    req = {"attempt": call("2025-06-02T10:00:00-05:00"), "account": {"jurisdictions": ["US-IL"]}, "history": history}
    p = tmp_path / "r.json"
    p.write_text(json.dumps(req))
    r = CliRunner().invoke(main, ["check", str(p)])
    assert r.exit_code == 2 and "INVALID" in r.output and "Traceback" not in r.output


@pytest.mark.parametrize("content", [b"\xff\xfe", b"[" * 100000 + b"]" * 100000,
                                     b"attempt: {channel: call, at: 2025-02-30T10:00:00-05:00}\n"])
def test_cli_unreadable_requests_exit_2_without_traceback(tmp_path, content):
    p = tmp_path / "r.json"
    p.write_bytes(content)
    r = CliRunner().invoke(main, ["check", str(p)])
    assert r.exit_code == 2 and r.exception is None or isinstance(r.exception, SystemExit)


def test_cli_does_not_echo_request_content(tmp_path):
    p = tmp_path / "r.json"
    p.write_text('{"attempt": {}, "account": {}, "Jane Doe": 1}\n{"note": "Jane Doe owes", bad}\n')
    r = CliRunner().invoke(main, ["check", str(p)])
    assert r.exit_code == 2 and "Jane Doe" not in r.output


@pytest.mark.parametrize("bad", ["dates: [2025-02-30]", "effective_from: 2025-13-01", "note: !!int 0x", "[a]: x"])
def test_unbuildable_yaml_values_are_positioned_problems(tmp_path, bad):
    text = ("id: x\ntitle: t\njurisdiction: US\nsource: https://x.invalid\nversion: '1'\nrules:\n"
            "  - id: a\n    kind: blackout\n    citation: c\n    status: confirmed\n    weekdays: [sun]\n"
            f"    {bad}\n")
    p = tmp_path / "r.yaml"
    p.write_text(text)
    r = CliRunner().invoke(main, ["validate", str(p)])
    assert r.exit_code == 1, r.output
    assert f"{p}:12:" in r.output


def test_duplicate_rule_id_points_at_the_duplicate(tmp_path):
    text = ("id: x\ntitle: t\njurisdiction: US\nsource: https://x.invalid\nversion: '1'\nrules:\n"
            "  - {id: a, kind: blackout, citation: c, status: confirmed, weekdays: [sun]}\n"
            "  - {id: a, kind: blackout, citation: c, status: confirmed, weekdays: [sat]}\n")
    p = tmp_path / "d.yaml"
    p.write_text(text)
    with pytest.raises(collectrules.RulesetError) as ei:
        collectrules.load_policy([p])
    (prob,) = ei.value.problems
    assert (prob.line, prob.rule_id) == (8, "a") and "first used on line 7" in prob.message


def test_output_to_a_missing_directory_exits_2():
    r = CliRunner().invoke(main, ["catalogue", "-o", "/nonexistent-dir/x.md"])
    assert r.exit_code == 2 and "cannot write" in r.output


def test_diff_unreadable_or_bad_yaml_exits_2_without_echo(tmp_path):
    bad = tmp_path / "bin.yaml"
    bad.write_bytes(b"\xff\xfe")
    r = CliRunner().invoke(main, ["diff", str(bad), str(bad)])
    assert r.exit_code == 2 and "UTF-8" in r.output
    y = tmp_path / "y.yaml"
    y.write_text('id: x\nnote: "call Jane Roe\n')
    r = CliRunner().invoke(main, ["diff", str(y), str(y)])
    assert r.exit_code == 2 and "Jane Roe" not in r.output


def test_retention_fails_closed(shipped):
    with pytest.raises(InputError, match="ISO 8601"):
        shipped.retention_until({"jurisdictions": ["US-IL"]}, "20250602", "collection_record")
    with pytest.raises(InputError, match="no loaded ruleset covers"):
        shipped.retention_until({"jurisdictions": ["FR"]}, "2025-06-02", "collection_record")
