"""Ruleset loading: every problem in every file at once, positioned, with did-you-mean."""

import json
import textwrap

import pytest

import collectrules
from collectrules import RulesetError
from collectrules.ruleset.loader import load_rulesets, parse_yaml, shipped_index

GOOD = textwrap.dedent("""\
    id: test-rules
    title: Test
    jurisdiction: US-IL
    source: https://example.invalid/rules
    version: "1"
    rules:
      - id: hours
        kind: contact_hours
        citation: Test 1
        status: confirmed
        windows: [{start: 08:00, end: 13:00}]
""")


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_good_file_loads_and_unquoted_times_are_times(tmp_path):
    p = write(tmp_path, "ok.yaml", GOOD)
    policy = collectrules.load_policy([p])
    d = policy.check({"channel": "call", "at": "2025-06-02T12:59:59-05:00", "debt_id": "D"},
                     account={"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]})
    assert d.allowed  # 13:00 was read as a time, not as the base-60 integer 780
    d = policy.check({"channel": "call", "at": "2025-06-02T13:00:00-05:00", "debt_id": "D"},
                     account={"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]})
    assert not d.allowed


def test_every_problem_in_every_file_is_reported_with_positions(tmp_path):
    bad1 = GOOD.replace("    windows:", "    wndows:").replace("status: confirmed", "status: sure")
    bad2 = GOOD.replace("id: test-rules", "id: other").replace("kind: contact_hours", "kind: contact_hour")
    p1 = write(tmp_path, "a.yaml", bad1)
    p2 = write(tmp_path, "b.yaml", bad2)
    with pytest.raises(RulesetError) as ei:
        load_rulesets([p1, p2])
    text = [str(p) for p in ei.value.problems]
    assert any(t.startswith(f"{p1}:10:13: hours: status: Input should be") for t in text), text
    assert any(t.startswith(f"{p1}:11:5: hours: unknown key 'wndows' (did you mean 'windows'?)") for t in text), text
    assert any(t.startswith(f"{p2}:") and "unknown rule kind 'contact_hour'" in t and "did you mean 'contact_hours'" in t
               for t in text), text
    assert any("missing required key 'windows'" in t for t in text), text


def test_bad_time_and_bad_window_are_positioned(tmp_path):
    p = write(tmp_path, "t.yaml", GOOD.replace("end: 13:00", "end: 25:00"))
    with pytest.raises(RulesetError) as ei:
        load_rulesets([p])
    (prob,) = ei.value.problems
    assert (prob.line, prob.rule_id) == (11, "hours")
    assert "HH:MM" in prob.message


def test_yaml_syntax_error_and_duplicate_keys(tmp_path):
    p = write(tmp_path, "s.yaml", "id: x\n  bad: [\n")
    with pytest.raises(RulesetError) as ei:
        load_rulesets([p])
    assert "YAML error" in str(ei.value)
    p = write(tmp_path, "d.yaml", GOOD + "title: again\n")
    with pytest.raises(RulesetError, match="duplicate key 'title'"):
        load_rulesets([p])


def test_duplicate_rule_ids_and_ruleset_ids(tmp_path):
    dup = GOOD + textwrap.indent(textwrap.dedent("""\
        - id: hours
          kind: blackout
          citation: Test 2
          status: partial
          weekdays: [sun]
    """), "  ")
    p = write(tmp_path, "dup.yaml", dup)
    with pytest.raises(RulesetError, match="duplicate rule id 'hours'"):
        load_rulesets([p])
    a = write(tmp_path, "one.yaml", GOOD)
    b = write(tmp_path, "two.yaml", GOOD)
    with pytest.raises(RulesetError, match="ruleset id 'test-rules' is also used"):
        load_rulesets([a, b])


def test_unknown_id_suggests_a_shipped_one():
    with pytest.raises(RulesetError, match="did you mean 'us-federal'"):
        load_rulesets(["us-federl"])


def test_shipped_rulesets_are_indexed_by_id():
    idx = shipped_index()
    assert {"us-federal", "us-ma"} <= set(idx)


def test_directory_loading(tmp_path):
    write(tmp_path, "ok.yaml", GOOD)
    (tmp_path / "notes.txt").write_text("not yaml")
    assert [lr.model.id for lr in load_rulesets([tmp_path])] == ["test-rules"]


def test_blackout_validation(tmp_path):
    text = GOOD.replace("""    kind: contact_hours
    citation: Test 1
    status: confirmed
    windows: [{start: 08:00, end: 13:00}]""", """    kind: blackout
    citation: Test 1
    status: confirmed
    public_holidays: true
    calendar: ZZ-QQ""")
    p = write(tmp_path, "b.yaml", text)
    with pytest.raises(RulesetError, match="calendar"):
        load_rulesets([p])


def test_frequency_window_needs_exactly_one_form(tmp_path):
    text = GOOD.replace("""    kind: contact_hours
    citation: Test 1
    status: confirmed
    windows: [{start: 08:00, end: 13:00}]""", """    kind: frequency_cap
    citation: Test 1
    status: confirmed
    max: 3
    window: {rolling_days: 7, per_day: true}""")
    p = write(tmp_path, "f.yaml", text)
    with pytest.raises(RulesetError, match="exactly one of"):
        load_rulesets([p])


def test_json_schema_is_draft07_and_accepts_shipped_rulesets():
    jsonschema = pytest.importorskip("jsonschema")
    from collectrules.ruleset.schema import json_schema

    schema = json_schema()
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert "$defs" not in json.dumps(schema)
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    for path in shipped_index().values():
        tree = parse_yaml(path.read_text(encoding="utf-8"), str(path))
        data = json.loads(json.dumps(tree, default=str))
        errors = list(validator.iter_errors(data))
        assert not errors, (path, errors[0].message)
    # and it rejects an unknown key
    bad = {"id": "x", "title": "t", "jurisdiction": "US", "source": "https://x.invalid", "version": "1",
           "rules": [{"id": "r", "kind": "contact_hours", "citation": "c", "status": "confirmed",
                      "windows": [{"start": "08:00", "end": "21:00"}], "wndows": []}]}
    assert list(validator.iter_errors(bad))


def test_shipped_schema_file_is_up_to_date():
    from pathlib import Path

    from collectrules.ruleset.schema import json_schema

    shipped = Path(__file__).resolve().parent.parent / "docs" / "ruleset.schema.json"
    assert json.loads(shipped.read_text(encoding="utf-8")) == json.loads(json.dumps(json_schema())), \
        "regenerate with: collectrules schema > docs/ruleset.schema.json"


def test_shipped_token_adds_house_rules_to_the_shipped_ones(tmp_path):
    p = write(tmp_path, "house.yaml", GOOD)
    alone = collectrules.load_policy([p])
    both = collectrules.load_policy(["shipped", p])
    assert [r.id for r in alone.rulesets] == ["test-rules"]
    ids = {r.id for r in both.rulesets}
    assert {"test-rules", "us-federal", "us-ma"} <= ids
    assert len(ids) == len(shipped_index()) + 1
