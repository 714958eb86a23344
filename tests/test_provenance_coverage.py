"""Provenance that ages (last_verified, newer_version, ``collectrules outdated``), the coverage
table (``collectrules coverage``) and the researched-and-found list (issue #17)."""

from __future__ import annotations

import datetime as _dt
import json
import re
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

import collectrules
from collectrules.cli import main
from collectrules.coverage import FINDING_CELLS, TOPICS, coverage_table, render_coverage, researched, rule_topics
from collectrules.models import normalise_jurisdiction
from collectrules.provenance import outdated
from collectrules.ruleset.loader import load_rulesets, shipped_dir

RULESET = textwrap.dedent("""\
    id: t-prov
    {ruleset_lv}
    title: provenance test
    jurisdiction: US-MA
    source: https://example.invalid/src
    version: "1"
    rules:
      - id: inherits
        kind: contact_hours
        citation: c
        status: confirmed
        windows: [{{start: "08:00", end: "21:00"}}]
      - id: own-date
        kind: contact_hours
        citation: c
        status: confirmed
        last_verified: 2020-01-15
        windows: [{{start: "08:00", end: "21:00"}}]
      - id: superseded
        kind: contact_hours
        citation: c
        status: partial
        newer_version: {{title: "Act 2026", effective_from: 2026-07-01}}
        windows: [{{start: "08:00", end: "21:00"}}]
    """)


@pytest.fixture(scope="module")
def loaded():
    return load_rulesets(None)


def _write(tmp_path: Path, ruleset_lv: str) -> Path:
    p = tmp_path / "t.yaml"
    p.write_text(RULESET.format(ruleset_lv=ruleset_lv), encoding="utf-8")
    return p


def test_rules_inherit_the_ruleset_date_and_may_override(tmp_path) -> None:
    p = _write(tmp_path, "last_verified: 2026-06-01")
    items = {i.rule_id: i for i in outdated([str(p)], days=365, today=_dt.date(2026, 12, 6))}
    assert "inherits" not in items                       # 188 days old, inherited
    assert items["own-date"].last_verified == _dt.date(2020, 1, 15)
    assert items["own-date"].reasons == ("not verified since 2020-01-15 (2517 days)",)
    assert items["superseded"].reasons == ("newer version on record: Act 2026 (2026-07-01)",)
    # the boundary: exactly N days old is still within N days; one more day is not
    assert not [i for i in outdated([str(p)], days=188, today=_dt.date(2026, 12, 6)) if i.rule_id == "inherits"]
    assert [i for i in outdated([str(p)], days=187, today=_dt.date(2026, 12, 6)) if i.rule_id == "inherits"]


def test_never_verified_is_listed(tmp_path) -> None:
    p = _write(tmp_path, "")
    items = {i.rule_id: i.reasons for i in outdated([str(p)], days=10_000, today=_dt.date(2026, 12, 6))}
    assert items["inherits"] == ("never verified",)
    assert "own-date" not in items


def test_negative_days_refused(tmp_path) -> None:
    with pytest.raises(ValueError):
        outdated([str(_write(tmp_path, ""))], days=-1)


def test_every_shipped_ruleset_carries_a_last_verified_date(loaded) -> None:
    missing = sorted(lr.model.id for lr in loaded if lr.model.last_verified is None)
    assert not missing, (f"add a ruleset-level 'last_verified: YYYY-MM-DD' line (the date the sources were "
                         f"last checked) near the top of: {missing}")


def test_shipped_outdated_lists_the_rules_with_a_newer_version_on_record(loaded) -> None:
    items = outdated(days=365, today=_dt.date(2026, 12, 6), loaded=loaded)
    assert {(i.ruleset, i.rule_id) for i in items} >= {("ie-cbi-cpc-arrears", "ie-cpc2012-3-a-month"),
                                                        ("ie-cbi-cpc-arrears", "ie-cpc2025-3-a-month")}
    assert all(any(r.startswith(("newer version on record", "never verified")) for r in i.reasons) for i in items)
    # a year and a half later, every shipped rule is due for re-reading
    later = outdated(days=365, today=_dt.date(2028, 6, 1), loaded=loaded)
    assert len(later) == sum(len(lr.model.rules) for lr in loaded)


def test_outdated_cli(tmp_path) -> None:
    p = _write(tmp_path, "last_verified: 2000-01-01")
    r = CliRunner().invoke(main, ["outdated", "-r", str(p), "--days", "30"])
    assert r.exit_code == 1
    assert "t-prov/inherits: not verified since 2000-01-01" in r.output
    assert "3 rules to re-read (verified within 30 days)" in r.output
    r = CliRunner().invoke(main, ["outdated", "-r", str(p), "--format", "json"])
    data = json.loads(r.output)
    assert {d["rule_id"] for d in data} == {"inherits", "own-date", "superseded"}
    assert CliRunner().invoke(main, ["outdated", "--days", "-3"]).exit_code == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nrules: []\n", encoding="utf-8")
    assert CliRunner().invoke(main, ["outdated", "-r", str(bad)]).exit_code == 2


def test_catalogue_shows_the_date(tmp_path) -> None:
    p = _write(tmp_path, "last_verified: 2026-06-01")
    r = CliRunner().invoke(main, ["catalogue", "-r", str(p)])
    assert r.exit_code == 0
    assert "sources last verified 2026-06-01" in r.output
    rows = [line for line in r.output.splitlines() if line.startswith("| `t-prov`")]
    assert rows[0].endswith("| 2026-06-01 |") and rows[1].endswith("| 2020-01-15 |")


# --- coverage ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def rows(loaded):
    return coverage_table(loaded=loaded, researched_file=shipped_dir() / "researched.toml")


@pytest.fixture(scope="module")
def table(rows):
    return {r.jurisdiction: r.cells for r in rows}


def test_coverage_cells(table) -> None:
    assert table["JP"]["hours"] == "confirmed" and table["JP"]["frequency"] == "none fixed"
    assert table["KR"]["frequency"] == "partial" and table["KR"]["hours"] == "confirmed"
    assert table["TH"]["holidays"] == "confirmed"
    assert table["DE"]["hours"] == "none fixed" and table["DE"]["content"] == "-"
    assert table["US-NJ"]["hours"] == "not encoded"
    assert table["US-UT"]["hours"] == "adds nothing"
    assert table["IN"]["caller_number"] == "partial"
    assert table["US-OR"]["states"] == "partial +warn"   # the workplace precondition only warns
    assert table["US"]["content"] == "confirmed" and table["US"]["retention"] == "confirmed"
    assert all(set(cells) == set(TOPICS) for cells in table.values())


def test_coverage_render_and_cli(tmp_path, rows) -> None:
    r = CliRunner().invoke(main, ["coverage"])
    assert r.exit_code == 0
    head = r.output.splitlines()[0].split()
    assert head == ["jurisdiction", *TOPICS]
    assert r.output == render_coverage(rows, "text")
    by_j = {d["jurisdiction"]: d for d in json.loads(render_coverage(rows, "json"))}
    assert by_j["CO"]["hours"] == "confirmed" and "co-ley-2300" in by_j["CO"]["rulesets"]
    assert render_coverage(rows, "markdown").startswith("| jurisdiction | hours |")
    # own rulesets only: no researched rows
    p = _write(tmp_path, "last_verified: 2026-06-01")
    own = coverage_table([str(p)])
    assert [r.jurisdiction for r in own] == ["US-MA"] and own[0].cells["hours"] == "confirmed"
    with pytest.raises(ValueError):
        render_coverage(own, "html")


def test_every_shipped_rule_counts_toward_a_topic(loaded) -> None:
    for lr in loaded:
        for r in lr.model.rules:
            assert rule_topics(r), (lr.model.id, r.id, r.kind)


# --- researched-and-found list ----------------------------------------------------------------

#: the US states issue #17 names, and West Virginia's and Maine's call caps
ISSUE_STATES = ["US-CO", "US-CT", "US-IL", "US-MI", "US-MN", "US-NV", "US-NJ", "US-NC", "US-OR", "US-PA", "US-TN",
                "US-UT", "US-VA", "US-WI", "US-GA", "US-AZ", "US-MD", "US-LA", "US-OK", "US-SC", "US-WV", "US-ME"]
ISSUE_COUNTRIES = ["JP", "KR", "SG", "MY", "TH", "VN", "MX", "BR", "CO", "DE", "ES", "IT", "FR", "NL", "IE", "PL"]


@pytest.fixture(scope="module")
def entries():
    return researched()


def test_every_jurisdiction_the_issue_names_is_shipped_or_on_the_researched_list(entries, loaded) -> None:
    shipped = {lr.model.jurisdiction for lr in loaded}
    listed = {e.code for e in entries}
    for code in ISSUE_STATES + ISSUE_COUNTRIES:
        assert code in shipped or code in listed, code
    # the ones found to add nothing or to fix no number, named explicitly
    nothing = {e.code for e in entries if e.finding in ("no_number", "adds_nothing") and "hours" in e.topics}
    assert {"US-MI", "US-ME", "US-MN", "US-NC", "US-CT", "US-SC", "US-VA", "US-GA", "US-AZ", "US-OK", "US-UT",
            "SG", "MY", "DE", "FR", "IT", "ES", "PL", "BR"} <= nothing


def test_researched_entries_are_well_formed(entries) -> None:
    assert entries
    seen = set()
    for e in entries:
        assert e.code == normalise_jurisdiction(e.code) and e.code not in seen, e.code
        seen.add(e.code)
        assert e.finding in FINDING_CELLS, e.code
        assert e.status in ("confirmed", "partial", "unconfirmed"), e.code
        assert e.topics and set(e.topics) <= set(TOPICS), e.code
        assert len(e.summary) > 40, e.code
        assert all(re.match(r"^https?://", s) for s in e.sources), e.code
        if e.finding != "not_researched":
            assert isinstance(e.checked, _dt.date), e.code
        if e.finding not in ("not_researched", "not_found"):
            assert e.sources, e.code  # a finding about the law names the text it was read in


def test_researched_findings_do_not_contradict_shipped_rules(entries, loaded) -> None:
    """A topic recorded as fixing nothing must not have a shipped deny rule in that jurisdiction."""
    by_j: dict[str, set[str]] = {}
    for lr in loaded:
        for r in lr.model.rules:
            if r.severity == "deny":
                by_j.setdefault(lr.model.jurisdiction, set()).update(rule_topics(r))
    for e in entries:
        if e.finding in ("no_number", "adds_nothing"):
            clash = set(e.topics) & by_j.get(e.code, set())
            assert not clash, (e.code, clash)


def test_researched_file_ships_beside_the_rulesets() -> None:
    assert (shipped_dir() / "researched.toml").is_file()


ROUND2 = ["jp-kashikin", "kr-collection", "th-debt-collection-act", "vn-sbv-finance-companies", "co-ley-2300",
          "mx-condusef", "br-sp-lei-15426", "br-al-lei-7782", "ie-cca-1995", "ie-cbi-cpc-arrears", "nl-wki-bki",
          "it-garante-recupero-crediti", "us-co", "us-il", "us-il-cfa", "us-pa", "us-wv", "us-or", "us-tn", "us-nv", "us-wi",
          "us-md", "us-la", "us-nc", "in-trai-1600"]


def test_round2_rulesets_ship_with_six_own_cases_and_provenance(loaded) -> None:
    by_id = {lr.model.id: lr.model for lr in loaded}
    for rid in ROUND2:
        m = by_id[rid]
        assert len(m.tests) >= 6, rid
        assert m.last_verified is not None and m.last_verified >= _dt.date(2026, 12, 4), rid
        for r in m.rules:
            assert r.citation and r.status in ("confirmed", "partial", "unconfirmed"), (rid, r.id)
            assert r.source or m.source, (rid, r.id)
            if r.status != "confirmed":
                assert r.note or m.description, (rid, r.id)


def test_round2_rulesets_are_in_the_readme(loaded) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for rid in ROUND2:
        assert f"`{rid}`" in readme, rid


def test_researched_list_errors(tmp_path) -> None:
    bad = tmp_path / "r.toml"
    bad.write_text('[[jurisdiction]]\nname = "x"\n', encoding="utf-8")
    with pytest.raises(ValueError):
        researched(bad)
    bad.write_text("[[jurisdiction]\n", encoding="utf-8")
    with pytest.raises(ValueError):  # tomllib.TOMLDecodeError is a ValueError
        researched(bad)
    with pytest.raises(OSError):
        researched(tmp_path / "missing.toml")


def test_round2_rulesets_own_cases_pass_and_cover_every_rule() -> None:
    from collectrules.testing import run_tests

    report = run_tests(ROUND2)
    assert not report.failed, [(c.ruleset, c.name, c.message) for c in report.failed][:5]
    assert not any(report.untested.values()), report.untested
    assert len(report.cases) >= 6 * len(ROUND2)
