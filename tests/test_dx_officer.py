"""Issue 12, compliance officers: versions, failing-case reports, test-file errors, empty inputs,
did-you-mean, not-a-ruleset, indentation hints (the CLI as an officer runs it)."""

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from collectrules.cli import main
from collectrules.errors import RulesetError
from collectrules.ruleset.loader import suggest, validate_file, shipped_index
from collectrules.testing import run_tests

MA = Path(shipped_index()["us-ma"])


def cli(*args):
    r = CliRunner().invoke(main, [*map(str, args)])
    return r.exit_code, r.output


def _ma_copy(tmp_path, edit=lambda t: t, name="ma.yaml"):
    p = tmp_path / name
    p.write_text(edit(MA.read_text(encoding="utf-8")), encoding="utf-8")
    return p


def _problems(path):
    with pytest.raises(RulesetError) as ei:
        validate_file(path)
    return ei.value.problems


@pytest.mark.parametrize("raw,shown", [("2026.10", "2026.1"), ("2026", "2026"), ("2026-01-01", "2026-01-01")])
def test_unquoted_version_is_refused_with_position_and_hint(tmp_path, raw, shown):
    p = _ma_copy(tmp_path, lambda t: re.sub(r"(?m)^version: .*$", f"version: {raw}", t))
    line = next(i for i, ln in enumerate(p.read_text().splitlines(), 1) if ln.startswith("version:"))
    (prob,) = _problems(p)
    assert (prob.line, prob.column) == (line, 10)
    assert "quotes" in prob.message and 'version: "2026.10"' in prob.message


def test_quoted_version_is_kept_as_written(tmp_path):
    p = _ma_copy(tmp_path, lambda t: re.sub(r"(?m)^version: .*$", 'version: "2026.10"', t))
    assert validate_file(p).model.version == "2026.10"


def test_failing_case_names_deciding_rule_file_line_and_explain(tmp_path):
    # the "2nd call is allowed" case now expects a denial
    p = _ma_copy(tmp_path, lambda t: t.replace(
        '- {channel: call, at: "2025-06-02T10:00:00-04:00", debt_ids: [D1], outcome: no_answer}\n    expect: {allowed: true}',
        '- {channel: call, at: "2025-06-02T10:00:00-04:00", debt_ids: [D1], outcome: no_answer}\n'
        '    expect: {allowed: false, violations: [ma-collector-calls-personal]}', 1))
    name_line = next(i for i, ln in enumerate(p.read_text().splitlines(), 1) if "2nd call in 7 days" in ln)
    rep = run_tests([p])
    (bad,) = rep.failed
    assert bad.line == name_line and bad.where == f"{p}:{name_line}"
    code, out = cli("test", p)
    assert code == 1
    fail = next(ln for ln in out.splitlines() if ln.startswith("FAIL"))
    assert f"({p}:{name_line})" in fail and "no rule failed" in fail
    assert "ma-collector-calls-personal" in fail  # why the expected rule did not fire
    assert any("us-ma/ma-collector-calls-personal" in ln and ln.startswith("    PASS") for ln in out.splitlines())


def test_failing_case_names_the_rule_that_decided(tmp_path):
    p = _ma_copy(tmp_path, lambda t: t.replace(
        "      allowed: false\n      violations: [ma-collector-calls-personal]\n      next_allowed_at: \"2025-06-09T08:00:01-04:00\"",
        "      allowed: true", 1))
    code, out = cli("test", p)
    assert code == 1
    fail = next(ln for ln in out.splitlines() if ln.startswith("FAIL"))
    assert "decided by us-ma/ma-collector-calls-personal" in fail
    assert any(ln.startswith("    FAIL us-ma/ma-collector-calls-personal") for ln in out.splitlines())


def test_expected_rule_that_does_not_exist_is_an_error_when_read(tmp_path):
    p = _ma_copy(tmp_path, lambda t: t.replace("violations: [ma-collector-calls-personal]",
                                               "violations: [ma-collector-call-personal]", 1))
    with pytest.raises(RulesetError) as ei:
        run_tests([p])
    (prob,) = ei.value.problems
    assert "ma-collector-call-personal" in prob.message and "does not exist" in prob.message
    assert "did you mean 'ma-collector-calls-personal'" in prob.message
    assert p.read_text().splitlines()[prob.line - 1].strip().startswith("violations:")
    code, out = cli("test", p)
    assert code == 2 and "does not exist" in out


def test_sibling_tests_file_gets_positions_and_did_you_mean(tmp_path):
    p = _ma_copy(tmp_path, lambda t: t[:t.index("\ntests:")] + "\n")
    (tmp_path / "ma.tests.yaml").write_text(
        "tests:\n"
        "  - name: one\n"
        "    attempt: {channel: call, at: \"2025-06-04T10:00:00-04:00\", debt_id: D1}\n"
        "    account: {jurisdictions: [US-MA], timezones: [America/New_York]}\n"
        "    expectt: {allowed: true}\n", encoding="utf-8")
    with pytest.raises(RulesetError) as ei:
        run_tests([p])
    probs = {(x.line, x.column, x.message) for x in ei.value.problems}
    assert any(line == 5 and col == 5 and "unknown key 'expectt'" in m and "did you mean 'expect'" in m
               for line, col, m in probs), probs


def test_ruleset_without_cases_is_reported_and_strict_fails(tmp_path):
    p = _ma_copy(tmp_path, lambda t: t[:t.index("\ntests:")] + "\n")
    assert run_tests([p]).no_cases == ["us-ma"]
    code, out = cli("test", p)
    assert code == 0 and "no test cases in us-ma" in out
    code, out = cli("test", "--strict", p)
    assert code == 1 and "no test cases in us-ma (--strict: failing)" in out
    assert run_tests([MA]).no_cases == []


@pytest.mark.parametrize("cmd", ["validate", "test", "lint"])
def test_no_files_found_is_exit_2(tmp_path, cmd):
    (tmp_path / "empty").mkdir()
    code, out = cli(cmd, tmp_path / "empty")
    assert code == 2 and "no " in out and "found" in out


def test_did_you_mean_never_suggests_the_same_word():
    assert suggest("window", ["window", "windows"]) == "windows"
    assert suggest("window", ["window"]) is None
    assert suggest("us-federl", shipped_index()) == "us-federal"


def test_a_known_key_in_the_wrong_place_is_not_suggested_as_itself(tmp_path):
    p = _ma_copy(tmp_path)
    bad = tmp_path / "bad.yaml"
    text = p.read_text()
    # 'jurisdiction' is a real key name, but of the ruleset, not of a rule
    i = text.index("\n  - id: ")
    j = text.index("\n", i + 1)
    bad.write_text(text[:j] + "\n    citation_x: 1" + text[j:], encoding="utf-8")
    msgs = [x.message for x in _problems(bad)]
    assert any("unknown key 'citation_x'" in m and "did you mean 'citation'" in m for m in msgs), msgs
    bad.write_text(text[:j] + "\n    jurisdiction: US" + text[j:], encoding="utf-8")
    msgs = [x.message for x in _problems(bad)]
    assert any("'jurisdiction' is not allowed here" in m for m in msgs), msgs
    assert not any("did you mean 'jurisdiction'" in m for m in msgs)


@pytest.mark.parametrize("text", ["services:\n  web:\n    image: x\n", "- a\n- b\n", "just text\n",
                                  "tests:\n  - name: x\n"])
def test_validate_says_a_file_is_not_a_ruleset(tmp_path, text):
    p = tmp_path / "other.yaml"
    p.write_text(text, encoding="utf-8")
    (prob,) = _problems(p)
    assert prob.message.startswith("not a ruleset") and "unknown key" not in prob.message
    code, out = cli("validate", p)
    assert code == 1 and "not a ruleset" in out


@pytest.mark.parametrize("text,hint", [("id: x\ntitle: t\n  rules: []\n", "indentation"),
                                       ("id: x\n\ttitle: t\n", "tab"),
                                       ("id: x\nrules:\n  - id: a\n   kind: b\n", "indentation")])
def test_yaml_indentation_errors_get_a_plain_hint(tmp_path, text, hint):
    p = tmp_path / "i.yaml"
    p.write_text(text, encoding="utf-8")
    (prob,) = _problems(p)
    assert "YAML error" in prob.message and "hint:" in prob.message and hint in prob.message
    assert prob.line >= 2


def test_confirmed_status_with_an_unconfirmed_citation_is_refused(tmp_path):
    text = MA.read_text(encoding="utf-8")
    i = text.index("    citation: ")
    j = text.index("\n", i)
    p = tmp_path / "ma.yaml"
    p.write_text(text[:j] + " (section number not confirmed)" + text[j:], encoding="utf-8")
    rule_start = text[:i].rindex("  - id: ")
    status_line = next(n for n, ln in enumerate(p.read_text().splitlines(), 1)
                       if n > text[:rule_start].count("\n") and ln.strip().startswith("status:"))
    probs = _problems(p)
    assert [x.line for x in probs if "citation says" in x.message] == [status_line]


def test_catalogue_status_never_contradicts_citation_and_what_does_not_repeat_title():
    from collectrules.catalogue import build_catalogue
    from collectrules.ruleset.common import UNCONFIRMED_CITATION

    rows = [r for sec in build_catalogue() for r in sec.rows]
    assert rows
    for r in rows:
        assert not (r.status == "confirmed" and UNCONFIRMED_CITATION.search(r.citation)), (r.ruleset, r.rule_id)
    ma = next(r for r in rows if r.rule_id == "ma-collector-calls-personal")
    title, _, rest = ma.what.partition(". ")
    assert not rest.lower().startswith("at most"), ma.what  # the cap is not said twice
    assert "per" in rest.lower()  # how it is counted is kept


def test_repeats():
    from collectrules.catalogue import repeats

    assert repeats("At most 3 calls per 7 days.", "At most 3 calls per 7 consecutive local days, counted per debt.")
    assert not repeats("Calls to the workplace.", "At most 3 calls per 7 consecutive local days.")
