"""collectrules.calendar: every cell is Policy.check of the attempt moved to the slot."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

import collectrules
from collectrules.calendar import week_grid, week_svg
from collectrules.cli import main

NY = {"jurisdictions": ["US-MA"], "timezones": ["America/New_York"]}
IL = {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]}
HIST = [{"channel": "call", "at": "2025-05-29T14:00:00-04:00", "debt_ids": ["debt-7"], "outcome": "no_answer"},
        {"channel": "call", "at": "2025-05-31T11:00:00-04:00", "debt_ids": ["debt-7"], "outcome": "no_answer"}]


@pytest.fixture(scope="module")
def ma():
    return collectrules.load_policy(["us-federal", "us-ma"])


@pytest.fixture(scope="module")
def regf():
    return collectrules.load_policy(["us-federal"])


def _attempt(at, channel="call"):
    return {"channel": channel, "at": at, "debt_id": "debt-7", "dialer": "manual"}


def test_boston_week_values_from_the_rules(ma):
    w = week_grid(ma, _attempt("2025-06-02T08:00:00-04:00"), account=NY, history=HIST, days=7)
    assert w.days[0] == dt.date(2025, 6, 2) and len(w.days) == 7
    call = w.slots["call"]
    # 209 CMR 18.16(1)(a): after 8 a.m. -> the 08:00 slot is denied by MA, 09:00..20:00 by nothing else
    assert call[3][8].deciding_rule == "us-ma/ma-collector-time"
    assert call[3][7].deciding_rule == "us-federal/regf-inconvenient-time"
    assert call[3][21].deciding_rule == "us-federal/regf-inconvenient-time"       # 21:00 is inconvenient
    # two calls on 29 and 31 May: the 7-day MA cap (2 per 7 local days) denies Mon-Wed daytime calls
    assert [call[d][12].deciding_rule for d in range(3)] == ["us-ma/ma-collector-calls-personal"] * 3
    assert call[3][12].allowed                                                     # 29 May left the window
    assert all(s.allowed for s in w.slots["email"][0][9:21])                      # e-mail is not capped
    assert w.deciding_rules()["us-ma/ma-collector-calls-personal"] == "209 CMR 18.16(1)(d)"


def test_every_cell_equals_policy_check(ma):
    w = week_grid(ma, _attempt("2025-06-02T00:00:00-04:00"), account=NY, history=HIST, days=2,
                  channels=["call", "sms"], slot_minutes=30)
    for ch in w.channels:
        for row in w.slots[ch]:
            assert len(row) == 48
            for s in row:
                d = ma.check(_attempt(s.start, ch), account=NY, history=HIST)
                assert d.allowed == s.allowed
                assert [f"{v.ruleset}/{v.rule_id}" for v in (d.warnings if d.allowed else d.violations)] \
                    == list(s.rule_ids)


def test_dst_days_have_the_local_wall_clock_slots(regf):
    # 9 March 2025 (spring forward): 02:00 does not exist; 2 November 2025: 01:00 happens twice
    for day, missing in ((dt.date(2025, 3, 9), 2), (dt.date(2025, 11, 2), None)):
        w = week_grid(regf, _attempt("2025-06-02T12:00:00-05:00"), account=IL, days=1, channels=["call"],
                      start=day)
        starts = [s.start for s in w.slots["call"][0]]
        assert len(starts) == 24
        assert all(s.utcoffset() is not None for s in starts)
        if missing:
            assert starts[missing].hour == 3                  # the gap moves forward
        allowed = [s.start.hour for s in w.slots["call"][0] if s.allowed]
        assert allowed == list(range(8, 21))                  # 08:00..20:00 local, both DST days


@settings(max_examples=25, deadline=None)
@given(day=st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31)),
       zone=st.sampled_from(["America/Chicago", "America/New_York", "America/Los_Angeles", "Pacific/Honolulu"]))
def test_regf_hours_property(regf, day, zone):
    """Reg F alone, no history: a slot is allowed exactly when it starts in [08:00, 21:00) local."""
    acct = {"jurisdictions": ["US"], "timezones": [zone]}
    at = dt.datetime.combine(day, dt.time(12), ZoneInfo(zone)).isoformat()
    w = week_grid(regf, _attempt(at), account=acct, days=1, channels=["call"])
    for s in w.slots["call"][0]:
        local = s.start.astimezone(ZoneInfo(zone))
        assert s.allowed == (dt.time(8) <= local.time() < dt.time(21)), (s.start, s.rule_ids)


def test_svg_is_well_formed_and_names_the_rules(ma):
    svg = week_svg(ma, _attempt("2025-06-02T08:00:00-04:00"), account=NY, history=HIST, title="Boston <week>")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert svg.count('data-state="allowed"') + svg.count('data-state="denied"') == 3 * 7 * 24
    assert "Boston &lt;week&gt;" in svg
    assert "209 CMR 18.16(1)(a)" in svg and "us-ma/ma-collector-calls-personal" in svg


def test_invalid_inputs_are_input_errors(ma):
    with pytest.raises(collectrules.InputError):
        week_grid(ma, _attempt("2025-06-02T08:00:00"), account=NY)                    # naive
    with pytest.raises(collectrules.InputError):
        week_grid(ma, _attempt("2025-06-02T08:00:00-04:00"), account={"jurisdictions": ["US-MA"]})
    with pytest.raises(collectrules.InputError):
        week_grid(ma, _attempt("2025-06-02T08:00:00-04:00"), account=NY, days=0)
    with pytest.raises(collectrules.InputError):
        week_grid(ma, _attempt("2025-06-02T08:00:00-04:00"), account=NY, slot_minutes=7)
    with pytest.raises(collectrules.InputError) as exc:
        week_grid(ma, _attempt("2025-06-02T08:00:00-04:00"), account={**NY, "phone": "+16175550123"})
    assert "6175550123" not in str(exc.value)                                         # no personal data


def test_cli_calendar(tmp_path):
    req = tmp_path / "req.json"
    req.write_text(json.dumps({"attempt": _attempt("2025-06-02T08:00:00-04:00"), "account": NY, "history": HIST}))
    out = tmp_path / "week.svg"
    r = CliRunner().invoke(main, ["calendar", str(req), "-r", "us-federal", "-r", "us-ma", "--days", "3",
                                  "--channel", "call", "--out", str(out)])
    assert r.exit_code == 0, r.output
    svg = out.read_text(encoding="utf-8")
    assert svg.count("data-state=") == 3 * 24
    assert re.search(r"us-ma/ma-collector-calls-personal", svg)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"attempt": _attempt("2025-06-02T08:00:00"), "account": NY}))
    r = CliRunner().invoke(main, ["calendar", str(bad), "--out", str(tmp_path / "x.svg")])
    assert r.exit_code == 2 and not (tmp_path / "x.svg").exists()
    two = tmp_path / "two.jsonl"
    line = json.dumps({"attempt": _attempt("2025-06-02T08:00:00-04:00"), "account": NY})
    two.write_text(line + "\n" + line + "\n")
    r = CliRunner().invoke(main, ["calendar", str(two), "--out", str(tmp_path / "y.svg")])
    assert r.exit_code == 2
