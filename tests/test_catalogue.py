"""The generated catalogue: one table per jurisdiction, built from the ruleset YAML."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from collectrules.catalogue import build_catalogue, describe_rule, render, rule_numbers
from collectrules.cli import main
from collectrules.ruleset.loader import load_rulesets


def test_every_shipped_rule_has_a_row() -> None:
    sections = build_catalogue()
    rows = {(r.ruleset, r.rule_id) for s in sections for r in s.rows}
    expected = {(lr.model.id, r.id) for lr in load_rulesets(None) for r in lr.model.rules}
    assert rows == expected
    codes = [s.jurisdiction for s in sections]
    assert codes == sorted(codes) and len(codes) == len(set(codes))  # one table per jurisdiction


def test_rows_carry_numbers_citation_status() -> None:
    sections = {s.jurisdiction: s for s in build_catalogue()}
    nyc = {r.rule_id: r for r in sections["US-NY-NYC"].rows}
    new = nyc["nyc-contacts-3-in-7"]
    assert new.numbers == "3 / 7 days"
    assert "In force from 2026-09-01" in new.what
    assert new.citation.startswith("6 RCNY 5-77") and new.status == "partial"
    old = nyc["nyc-contacts-2-in-7-before-2026-09"]
    assert old.numbers == "2 / 7 days" and "In force until 2026-08-31" in old.what
    wa = {r.rule_id: r for r in sections["US-WA"].rows}
    assert wa["wa-residence-hours"].numbers == "07:30-21:00"
    assert "Applies to: places personal" in wa["wa-residence-hours"].what
    dc = {r.rule_id: r for r in sections["US-DC"].rows}
    assert dc["dc-no-household-visits"].what.count("No household visits at all") == 1


def test_markdown_and_rst() -> None:
    sections = build_catalogue()
    md = render(sections, "markdown")
    assert "## US-FL" in md and "| `us-fl` | `fl-quiet-hours` |" in md
    assert md.count("| Ruleset | Rule | What it does | Numbers | Citation | Status |") == len(sections)
    rst = render(sections, "rst")
    assert rst.count(".. list-table::") == len(sections)
    assert "``fl-quiet-hours-email-before-sb232``" in rst


def test_unknown_kind_still_described() -> None:
    # a kind added later, which the catalogue has no sentence for, falls back to its parameters
    from typing import Literal

    from collectrules.ruleset.common import RuleBase

    class Fake(RuleBase):
        kind: Literal["fake_kind"]
        limit: int
        media: list[str]

    r = Fake.model_validate({"id": "f", "kind": "fake_kind", "citation": "c", "status": "partial",
                             "title": "Do a thing", "limit": 4, "media": ["a", "b"]})
    assert describe_rule(r) == "Do a thing. Rule kind fake_kind (limit: 4; media: a and b)."
    assert rule_numbers(r) == "limit=4"


def test_zero_cap_described() -> None:
    from collectrules.rules.frequency_cap import FrequencyCapRule

    r = FrequencyCapRule.model_validate({"id": "x", "kind": "frequency_cap", "citation": "c", "status": "partial",
                                         "max": 0, "window": {"per_day": True}, "unit": "visits"})
    assert describe_rule(r).startswith("No visits at all")
    assert rule_numbers(r) == "0 / day"


def test_cli_writes_file(tmp_path: Path) -> None:
    out = tmp_path / "catalogue.rst"
    r = CliRunner().invoke(main, ["catalogue", "--format", "rst", "--output", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_text().startswith("Rules catalogue\n")
    r = CliRunner().invoke(main, ["catalogue", "-r", "us-wa"])
    assert r.exit_code == 0 and "## US-WA" in r.output and "## US-FL" not in r.output


def test_rst_parses_without_errors() -> None:
    import pytest

    docutils_core = pytest.importorskip("docutils.core")
    import io

    warnings = io.StringIO()
    docutils_core.publish_doctree(render(build_catalogue(), "rst"),
                                  settings_overrides={"warning_stream": warnings, "report_level": 2})
    assert warnings.getvalue() == ""


def test_rolling_month_cap_is_described_as_a_month():
    from collectrules.catalogue import build_catalogue, render

    text = render(build_catalogue(["au-accc-asic"]), "markdown")
    row = next(line for line in text.splitlines() if "au-10-contacts-per-month" in line)
    assert "10 / 1 month" in row and "rolling calendar month" in row
    assert "per local day" not in row
