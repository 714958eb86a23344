"""Regressions for issue #9 ("Fail closed under attack"): silent allows, crashes, exhaustion and
leaks found by an adversarial round. Each test uses the case the round found and, where the class
is wide, a property over it."""

import datetime as dt
import gc
import json
import linecache
import os
from pathlib import Path

import pytest
import pytz
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import collectrules
from collectrules import InputError, RulesetError
from collectrules import clock
from collectrules.cli import main
from collectrules.ruleset.loader import load_rulesets, validate_file

from .conftest import call, contact

CHICAGO = {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]}


@pytest.fixture(scope="module")
def pre_regf():
    """Reg F and the statute before it."""
    return collectrules.load_policy(["us-federal", "us-fdcpa"])


# -- zone spelling --------------------------------------------------------------------------


FIXED = ["utc", "UTC", "gmt", "zulu", "Zulu", "etc/utc", "est", "EST", "mst", "hst", "etc/gmt+5", "Etc/GMT-14",
         "uct", "universal", "greenwich", "GMT0", " utc ", "ETC/GMT+6"]


@pytest.mark.parametrize("zone", FIXED)
def test_fixed_offset_zones_are_refused_whatever_the_spelling(regf, zone):
    # 05:00 Chicago = 10:00 UTC: a fixed UTC zone would let it through
    with pytest.raises(InputError, match="fixed .* offset, not a place"):
        regf.check(call("2025-06-02T05:00:00-05:00"), account={"jurisdictions": ["US-IL"], "timezones": [zone]})


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(clock.FIXED_OFFSET_NAMES)), st.randoms(use_true_random=False))
def test_no_letter_case_of_a_fixed_offset_name_gets_through(name, rnd):
    spelled = "".join(ch.upper() if rnd.random() < 0.5 else ch.lower() for ch in name)
    with pytest.raises(ValueError):  # pydantic's ValidationError (InputError through Policy.check)
        collectrules.Account(jurisdictions=["US-IL"], timezones=[spelled])


def test_zone_names_are_canonicalised():
    a = collectrules.Account(jurisdictions=["US-IL"], timezones=["america/chicago", "AMERICA/NEW_YORK"])
    assert a.timezones == ["America/Chicago", "America/New_York"]


def test_the_zone_cache_is_bounded():
    for i in range(3000):
        name = "".join(ch.upper() if (i >> k) & 1 else ch.lower() for k, ch in enumerate("america/chicago"))
        clock.get_zone(name)
    assert clock.canonical_zone_name.cache_info().currsize <= 1024
    assert clock._zone_by_canonical_name.cache_info().currsize <= len(pytz.all_timezones)


# -- partly covered accounts ----------------------------------------------------------------


def test_every_listed_jurisdiction_must_be_covered(shipped):
    d = shipped.check(call("2025-06-02T12:00:00-05:00"), account={"jurisdictions": ["US-IL", "AQ"]})
    assert not d.allowed
    assert [v.rule_id for v in d.violations] == ["no-ruleset"]
    assert "AQ" in d.violations[0].message and d.violations[0].jurisdiction == "AQ"
    # a child of a covered jurisdiction is covered through its parent
    assert shipped.check(call("2025-06-02T12:00:00-05:00"), account={"jurisdictions": ["US-IL", "US-OH"]}).allowed


def test_retention_needs_every_jurisdiction_covered(shipped):
    with pytest.raises(InputError, match="no loaded ruleset covers"):
        shipped.retention_until({"jurisdictions": ["US-MA", "AQ"]}, "2025-01-01")
    assert shipped.retention_until({"jurisdictions": ["US-MA"]}, "2025-01-01", "collection_record") is not None


def test_unknown_jurisdiction_allow_still_applies_the_covered_rules():
    p = collectrules.load_policy(["us-federal"], unknown_jurisdiction="allow")
    assert p.check(call("2025-06-02T12:00:00-05:00"), account={"jurisdictions": ["US-IL", "AQ"], "timezones": ["America/Chicago"]}).allowed
    assert not p.check(call("2025-06-02T03:00:00-05:00"), account={"jurisdictions": ["US-IL", "AQ"], "timezones": ["America/Chicago"]}).allowed


# -- numeric instants and instants outside every ruleset's life ------------------------------


@pytest.mark.parametrize("at", [0, 32400, "0", "32400", " 1700000000 ", 1.5, "1.7e9", True])
def test_numbers_are_not_instants(regf, at):
    with pytest.raises(InputError, match="not a number"):
        regf.check(call(at), account=CHICAGO)
    with pytest.raises(InputError):
        regf.check(call("2025-06-02T12:00:00-05:00"), account=CHICAGO, history=[contact(at)])
    with pytest.raises(InputError):
        regf.check(call("2025-06-02T12:00:00-05:00", consent_given_at=at), account=CHICAGO)


def test_an_instant_before_every_ruleset_is_denied(shipped, regf):
    d = shipped.check(call("1970-01-01T03:00:00-06:00"), account=CHICAGO)
    assert not d.allowed and [v.rule_id for v in d.violations] == ["no-ruleset-in-effect"]
    # Reg F alone: 2000 is before it; the denial names when rules are known again, and the
    # search continues from there to the first allowed instant (08:00 on Reg F's first day)
    d = regf.check(call("2021-06-01T12:00:00-05:00"), account=CHICAGO)
    assert not d.allowed and d.violations[0].rule_id == "no-ruleset-in-effect"
    assert d.violations[0].until == dt.datetime.fromisoformat("2021-11-30T00:00:00-06:00")
    assert d.next_allowed_at == dt.datetime.fromisoformat("2021-11-30T08:00:00-06:00")
    d = regf.check(call("2000-06-01T12:00:00-05:00"), account=CHICAGO)
    assert not d.allowed and d.next_allowed_at is None and "horizon" in d.next_allowed_reason


@pytest.mark.parametrize("at, allowed", [
    ("1995-06-01T03:00:00-05:00", False), ("1995-06-01T08:00:00-05:00", False),
    ("1995-06-01T08:00:01-05:00", True), ("1995-06-01T20:59:59-05:00", True),
    ("1995-06-01T21:00:00-05:00", False), ("1978-03-19T12:00:00-06:00", False),
    ("1978-03-20T12:00:00-06:00", True), ("2021-11-29T21:00:00-06:00", False),
    ("2021-11-30T08:00:00-06:00", True),  # Reg F: 08:00:00 allowed
])
def test_the_hours_rule_applies_since_the_fdcpa(pre_regf, at, allowed):
    d = pre_regf.check(call(at), account=CHICAGO)
    assert d.allowed is allowed, d.explain()


def test_shipped_policy_applies_the_statute_before_reg_f(shipped):
    d = shipped.check(call("1995-06-01T03:00:00-05:00"), account=CHICAGO)
    assert not d.allowed and "fdcpa-inconvenient-time" in {v.rule_id for v in d.violations}


# -- city codes -----------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["US-NY-NY", "US-NY-NYCX", "US-IL-CHI", "CN-SH-PD"])
def test_unknown_city_codes_are_refused(shipped, code):
    with pytest.raises(InputError, match="city-level code"):
        shipped.check(call("2025-06-02T12:00:00-04:00"), account={"jurisdictions": [code]})


def test_known_city_code_keeps_its_stricter_rules(shipped):
    d = shipped.check(call("2025-06-02T12:00:00-04:00"), account={"jurisdictions": ["US-NY-NYC"]})
    assert "us-ny-nyc" in d.rulesets


# -- shipped ids vs paths ---------------------------------------------------------------------


def _ruleset_text(rid="house", start="10:00"):
    return f"""id: {rid}
title: house
jurisdiction: US
source: https://example.com/
version: "1"
rules:
  - id: {rid}-hours
    kind: contact_hours
    title: house hours
    citation: house
    source: https://example.com/
    status: confirmed
    windows: [{{start: "{start}", end: "11:00"}}]
"""


def test_a_local_directory_never_shadows_a_shipped_id(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "us-federal").mkdir()
    with pytest.raises(RulesetError, match="ambiguous"):
        collectrules.load_policy(["us-federal"])
    r = CliRunner().invoke(main, ["check", "-", "-r", "us-federal"],
                           input=json.dumps({"attempt": call("2025-06-02T03:00:00-05:00"), "account": CHICAGO}))
    assert r.exit_code == 2 and "ambiguous" in r.output
    # a path is a path
    (tmp_path / "us-federal" / "house.yaml").write_text(_ruleset_text())
    assert [rs.id for rs in collectrules.load_policy(["./us-federal"]).rulesets] == ["house"]
    assert [rs.id for rs in collectrules.load_policy([Path("us-federal")]).rulesets] == ["house"]


def test_shipped_ids_resolve_to_shipped_rulesets(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert [rs.id for rs in collectrules.load_policy(["us-federal"]).rulesets] == ["us-federal"]
    with pytest.raises(RulesetError, match="no such file"):
        collectrules.load_policy(["./us-federal"])


# -- bad inputs: InputError per request, never a traceback -----------------------------------


@pytest.mark.parametrize("account", [
    {"jurisdictions": None}, {"jurisdictions": 5}, {"jurisdictions": [5]}, {"jurisdictions": {"US": 1}},
    {"jurisdictions": ["US-IL"], "timezones": 5}, {"jurisdictions": ["US-IL"], "timezones": [None]},
    {"jurisdictions": ["US-IL"], "timezones": [["x"]]}, {"jurisdictions": ["US-IL"], "timezones": {"a": 1}},
    {"jurisdictions": ["US-IL"], "timezones": ["x" * 10000]},
])
def test_malformed_accounts_are_input_errors(regf, account):
    with pytest.raises(InputError):
        regf.check(call("2025-06-02T12:00:00-05:00"), account=account)


@pytest.mark.parametrize("horizon", [0, -1, 10**9, "5", True, 1.5, None])
def test_bad_horizon_days_is_an_input_error(regf, horizon):
    with pytest.raises(InputError, match="horizon_days"):
        regf.next_allowed(call("2025-06-02T03:00:00-05:00"), account=CHICAGO, horizon_days=horizon)


def test_jsonl_keeps_every_good_line_and_counts_blank_lines(tmp_path):
    good = {"attempt": call("2025-06-02T12:00:00-05:00"), "account": CHICAGO, "id": "a"}
    late = {"attempt": call("2025-06-02T03:00:00-05:00"), "account": CHICAGO, "id": "b"}
    bad = {"attempt": call("2025-06-02T12:00:00-05:00"), "account": {"jurisdictions": None}, "id": "c"}
    text = "\n".join([json.dumps(good), "", "", "this is not json", json.dumps(late), json.dumps(bad)]) + "\n"
    p = tmp_path / "batch.jsonl"
    p.write_text(text)
    r = CliRunner().invoke(main, ["check", str(p), "-r", "us-federal"])
    assert r.exit_code == 2 and "Traceback" not in r.output
    lines = r.output.splitlines()
    assert lines[0].startswith("a: ALLOWED")
    assert any("line 4: not JSON" in ln for ln in lines)
    assert any(ln.startswith("b: DENIED") for ln in lines)
    assert any(ln.startswith("c: INVALID") for ln in lines)


def test_request_ids_are_redacted_on_every_line(tmp_path):
    reqs = [{"attempt": call("2025-06-02T12:00:00-05:00"), "account": CHICAGO, "id": "jane@example.com"},
            {"attempt": call("2025-06-02T03:00:00-05:00"), "account": CHICAGO, "id": "+1 617 555 0100"},
            {"attempt": call("2025-06-02T03:00:00-05:00"), "account": CHICAGO, "id": "123 45 6789"}]
    p = tmp_path / "r.json"
    p.write_text(json.dumps(reqs))
    for fmt in ("text", "json"):
        r = CliRunner().invoke(main, ["check", str(p), "-r", "us-federal", "--format", fmt])
        assert r.exit_code == 1, r.output
        for secret in ("jane@example.com", "617", "6789"):
            assert secret not in r.output
        assert "[email]" in r.output and "[phone]" in r.output and "[ssn]" in r.output


# -- bounds ---------------------------------------------------------------------------------


def _bomb(levels=8, width=9):
    lines = ["a0: &a0 [" + ",".join(["x"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_a_yaml_alias_bomb_in_a_request_is_refused_with_bounded_memory(tmp_path):
    import tracemalloc

    p = tmp_path / "bomb.yaml"
    p.write_text(_bomb())
    assert p.stat().st_size < 600
    tracemalloc.start()
    r = CliRunner().invoke(main, ["check", str(p), "-r", "us-federal"])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert r.exit_code == 2 and "expands to more than" in r.output
    assert peak < 200 * 1024 * 1024


@pytest.mark.parametrize("text", ["[" * 1000 + "]" * 1000, "a:\n" + "".join(" " * i + "- \n" for i in range(1, 400)),
                                  "- " * 2000 + "x"])
def test_deep_nesting_in_a_ruleset_is_a_positioned_problem(tmp_path, text):
    p = tmp_path / "deep.yaml"
    p.write_text(text)
    with pytest.raises(RulesetError) as ei:
        validate_file(p)
    assert ei.value.problems[0].line >= 1 and ei.value.problems[0].column >= 1
    r = CliRunner().invoke(main, ["validate", str(p)])
    assert r.exit_code == 1 and "Traceback" not in r.output


def test_an_alias_bomb_ruleset_is_refused(tmp_path):
    p = tmp_path / "bomb.yaml"
    p.write_text(_bomb() + _ruleset_text())
    with pytest.raises(RulesetError, match="expands to more than"):
        validate_file(p)


@pytest.mark.parametrize("depth", [100, 900, 5000])
def test_deep_json_requests_are_invalid_not_crashes(tmp_path, depth):
    req = {"attempt": call("2025-06-02T12:00:00-05:00"), "account": CHICAGO}
    inner = "[" * depth + "]" * depth
    text = json.dumps(req)[:-1] + ', "history": ' + inner + "}"
    p = tmp_path / "deep.json"
    p.write_text(text)
    r = CliRunner().invoke(main, ["check", str(p), "-r", "us-federal"])
    assert r.exit_code == 2 and "Traceback" not in r.output


def test_an_oversized_ruleset_file_is_refused(tmp_path):
    from collectrules.limits import MAX_RULESET_BYTES

    p = tmp_path / "big.yaml"
    p.write_text(_ruleset_text() + "#" * (MAX_RULESET_BYTES + 10) + "\n")
    with pytest.raises(RulesetError, match="larger than"):
        validate_file(p)


# -- next_allowed: empty zone intersections, bounded by work, supported range ------------------


def _count_evaluations(monkeypatch, policy):
    n = [0]
    orig = policy._evaluate

    def counting(*a, **k):
        n[0] += 1
        return orig(*a, **k)

    monkeypatch.setattr(policy, "_evaluate", counting)
    return n


def test_non_intersecting_zone_windows_are_detected_early(monkeypatch):
    policy = collectrules.load_policy(["us-federal", "in-rbi"])
    n = _count_evaluations(monkeypatch, policy)
    d = policy.check(call("2025-06-02T12:00:00-05:00"), account={"jurisdictions": ["US", "IN"]})
    assert not d.allowed and d.next_allowed_at is None
    assert "do not intersect" in d.next_allowed_reason
    assert n[0] <= 200  # 400 days of daily jumps took ~800 evaluations


def test_hundreds_of_zones_are_bounded_by_work(monkeypatch, regf):
    zones = [z for z in pytz.common_timezones if z.startswith(("America/", "Asia/", "Europe/"))][:150]
    n = _count_evaluations(monkeypatch, regf)
    d = regf.check(call("2025-06-02T12:00:00-05:00"), account={"jurisdictions": ["US"], "timezones": zones})
    assert not d.allowed and d.next_allowed_at is None and d.next_allowed_reason
    from collectrules.policy import SEARCH_MIN_EVALUATIONS, SEARCH_WORK

    assert n[0] <= max(SEARCH_MIN_EVALUATIONS, SEARCH_WORK // len(zones)) + 1


def test_an_intersection_is_still_found(shipped):
    # Chicago 08:00-21:00 and Beijing 08:00-22:00 (GB/T 45251) overlap at 19:00-21:00 Chicago
    d = shipped.check(call("2025-06-02T12:00:00-05:00"), account={"jurisdictions": ["US-IL", "CN"]})
    assert d.next_allowed_at is not None and shipped.check(
        call(d.next_allowed_at.isoformat()), account={"jurisdictions": ["US-IL", "CN"]}).allowed


def test_next_allowed_beyond_the_supported_years_is_none_with_a_reason(regf):
    d = regf.check(call("2199-12-31T22:00:00-06:00"), account=CHICAGO)
    assert not d.allowed and d.next_allowed_at is None
    assert "supported years" in d.next_allowed_reason
    assert d.to_dict()["next_allowed_reason"] == d.next_allowed_reason
    assert "supported years" in d.explain()


# -- collectrules test on untrusted rulesets -------------------------------------------------


def _suite(tmp_path, tests_yaml=None, extra=""):
    d = tmp_path / "rs"
    d.mkdir(exist_ok=True)
    (d / "house.yaml").write_text(_ruleset_text() + extra)
    if tests_yaml is not None:
        (d / "house.tests.yaml").write_bytes(tests_yaml)
    return d


def test_a_non_utf8_sibling_test_file_is_a_problem_not_a_crash(tmp_path):
    from collectrules.testing import run_tests

    d = _suite(tmp_path, b"tests:\n  - name: \xff\xfe\n")
    with pytest.raises(RulesetError) as ei:
        run_tests([str(d)])
    assert ei.value.problems[0].line == 2
    r = CliRunner().invoke(main, ["test", str(d)])
    assert r.exit_code == 2 and "Traceback" not in r.output


@pytest.mark.parametrize("where", ["/", "..", "../..", "/etc", "../rs2"])
def test_case_rulesets_are_confined_to_the_ruleset_directory(tmp_path, where):
    from collectrules.testing import run_tests

    case = f"""
tests:
  - name: escape
    rulesets: ["{where}"]
    attempt: {{channel: call, at: "2025-06-02T10:30:00-05:00", debt_id: D1}}
    account: {{jurisdictions: [US-IL], timezones: [America/Chicago]}}
    expect: {{allowed: true}}
"""
    (tmp_path / "rs2").mkdir()
    d = _suite(tmp_path, extra=case)
    with pytest.raises(RulesetError, match="outside the ruleset's directory"):
        run_tests([str(d)])


def test_stacking_cases_load_each_ruleset_once(tmp_path, monkeypatch):
    from collectrules import testing

    cases = "\ntests:\n" + "".join(f"""  - name: stacked {i}
    rulesets: [us-federal]
    attempt: {{channel: call, at: "2025-06-02T10:30:00-05:00", debt_id: D1}}
    account: {{jurisdictions: [US-IL], timezones: [America/Chicago]}}
    expect: {{allowed: true}}
""" for i in range(6))
    d = _suite(tmp_path, extra=cases)
    calls = []
    orig = testing.load_rulesets
    monkeypatch.setattr(testing, "load_rulesets", lambda s=None: calls.append(s) or orig(s))
    report = testing.run_tests([str(d)])
    assert report.ok and len(report.cases) == 6
    assert calls.count(["us-federal"]) == 1


def test_effective_until_before_effective_from_is_refused(tmp_path):
    p = tmp_path / "dates.yaml"
    p.write_text(_ruleset_text().replace('version: "1"\n', 'version: "1"\neffective_from: 2025-01-01\n'
                                                               "effective_until: 2024-01-01\n"))
    with pytest.raises(RulesetError, match="effective_until is before effective_from") as ei:
        validate_file(p)
    assert ei.value.problems[0].line == 7  # at the effective_until date


# -- personal data ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["ssn 123-45-6789", "ssn 123 45 6789", "ssn 123456789", "123-45 6789."])
def test_redact_catches_every_ssn_form(text):
    out = collectrules.redact(text)
    assert "[ssn]" in out and "6789" not in out


def test_redact_keeps_short_numbers():
    assert collectrules.redact("pay $1234 by June 5") == "pay $1234 by June 5"


# -- leaks ------------------------------------------------------------------------------------


def test_load_policy_does_not_grow_linecache():
    sources = ["us-federal", "us-tcpa", "cn-gbt-45251"]  # rules with generated predicates and filters
    collectrules.load_policy(sources)
    gc.collect()
    before = len(linecache.cache)
    for _ in range(4):
        collectrules.load_policy(sources)
    gc.collect()
    assert len(linecache.cache) == before


# -- zones outside the jurisdiction -------------------------------------------------------------


def test_a_zone_outside_the_jurisdiction_is_a_warning(regf):
    d = regf.check(call("2025-06-03T10:00:00+08:00"), account={"jurisdictions": ["US-IL"], "timezones": ["Asia/Shanghai"]})
    assert [w.rule_id for w in d.warnings] == ["zone-outside-jurisdiction"]
    for zones in (["America/Chicago"], ["US/Central"], []):
        d = regf.check(call("2025-06-02T12:00:00-05:00"), account={"jurisdictions": ["US-IL"], "timezones": zones})
        assert not d.warnings, zones


# -- positions and encodings ---------------------------------------------------------------------


def test_binary_and_utf16_rulesets_have_1_based_positions(tmp_path):
    p = tmp_path / "bin.yaml"
    p.write_bytes(b"id: x\ntitle: \x00\x01\xff\n")
    with pytest.raises(RulesetError) as ei:
        validate_file(p)
    assert (ei.value.problems[0].line, ei.value.problems[0].column) >= (1, 1)
    assert ":0:" not in str(ei.value)
    for enc in ("utf-16", "utf-8-sig"):
        q = tmp_path / f"house-{enc}.yaml"
        q.write_bytes(_ruleset_text(rid=f"house-{enc.replace('-', '')}").encode(enc))
        assert validate_file(q).model.id.startswith("house")


def test_retention_outside_every_rulesets_life_is_not_nothing_to_keep():
    p = collectrules.load_policy(["us-federal-privacy"])
    with pytest.raises(InputError, match="in effect"):
        p.retention_until({"jurisdictions": ["US-MA"]}, "1990-01-01", "collection_record")
    assert p.retention_until({"jurisdictions": ["US-MA"]}, "2025-01-01", "collection_record") is not None


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["US-IL", "US-MA", "US-NY-NYC", "CN", "CA-ON", "GB"]), min_size=0, max_size=3,
                unique=True),
       st.lists(st.sampled_from(["AQ", "BV", "HM", "TF"]), min_size=1, max_size=2, unique=True),
       st.integers(0, 86399), st.randoms(use_true_random=False))
def test_any_uncovered_jurisdiction_denies_whatever_else_is_listed(shipped, covered, uncovered, secs, rnd):
    codes = covered + uncovered
    rnd.shuffle(codes)
    at = (dt.datetime(2025, 6, 2, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=secs)).isoformat()
    d = shipped.check(call(at), account={"jurisdictions": codes, "timezones": ["America/Chicago"]})
    assert not d.allowed and [v.rule_id for v in d.violations] == ["no-ruleset"]
    assert set(d.violations[0].jurisdiction.split(",")) == set(uncovered)
