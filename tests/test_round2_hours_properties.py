"""Differential property tests for the round-2 hours rules: each ruleset's decision for a
random instant (no history) equals an own reading of the source, written from the text and not
from the rule YAML, and ``next_allowed_at`` is the first allowed second (minute walk)."""

from __future__ import annotations

import datetime as _dt
import functools

import holidays as _holidays
import pytest
import pytz
from hypothesis import given, settings
from hypothesis import strategies as st

import collectrules


@functools.lru_cache(maxsize=None)
def _hol(country: str, subdiv: str | None, year: int) -> frozenset:
    return frozenset(_holidays.country_holidays(country, subdiv=subdiv, years=year))


def _secs(t: _dt.datetime) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def colombia(t: _dt.datetime) -> bool:
    """Ley 2300 art. 3: Mon-Fri [07:00, 19:00), Sat [08:00, 15:00), never Sundays or holidays."""
    if t.weekday() == 6 or t.date() in _hol("CO", None, t.year):
        return False
    lo, hi = (7, 19) if t.weekday() < 5 else (8, 15)
    return lo * 3600 <= _secs(t) < hi * 3600


def korea(t: _dt.datetime) -> bool:
    """채권추심법 9조: night is 21:00 through 08:00, both ends included."""
    return 8 * 3600 < _secs(t) < 21 * 3600


def mexico(t: _dt.datetime) -> bool:
    """CONDUSEF: de las 7:00 a las 22:00 horas, 22:00 itself allowed."""
    return 7 * 3600 <= _secs(t) <= 22 * 3600


def ireland(t: _dt.datetime) -> bool:
    """CCA 1995 s. 46: [09:00, 21:00), never on Sundays or public holidays."""
    if t.weekday() == 6 or t.date() in _hol("IE", None, t.year):
        return False
    return 9 * 3600 <= _secs(t) < 21 * 3600


_NL_EXTRA = {_dt.date(2024, 5, 10), _dt.date(2024, 12, 27)}


def netherlands(t: _dt.datetime) -> bool:
    """Bki 4.2: [07:00, 20:00), no Sundays, Atw holidays, 5 May, designated days."""
    d = t.date()
    if t.weekday() == 6 or d in _hol("NL", None, t.year) or d in _NL_EXTRA or (d.month, d.day) == (5, 5):
        return False
    return 7 * 3600 <= _secs(t) < 20 * 3600


def sao_paulo(t: _dt.datetime) -> bool:
    """Lei 15.426/2014: Mon-Fri [08:00, 20:00), Sat [08:00, 14:00), no Sundays or holidays."""
    if t.weekday() == 6 or t.date() in _hol("BR", "SP", t.year):
        return False
    hi = 20 if t.weekday() < 5 else 14
    return 8 * 3600 <= _secs(t) < hi * 3600


CASES = [
    ("co-ley-2300", ["CO"], "America/Bogota", colombia, "call"),
    ("kr-collection", ["KR"], "Asia/Seoul", korea, "sms"),
    ("mx-condusef", ["MX"], "America/Mexico_City", mexico, "call"),
    ("ie-cca-1995", ["IE"], "Europe/Dublin", ireland, "call"),
    ("nl-wki-bki", ["NL"], "Europe/Amsterdam", netherlands, "email"),
    ("br-sp-lei-15426", ["BR-SP"], "America/Sao_Paulo", sao_paulo, "call"),
]


@pytest.fixture(scope="module")
def policies():
    return {rid: collectrules.load_policy([rid]) for rid, *_ in CASES}


@pytest.mark.parametrize("rid,juris,zone,reading,channel", CASES, ids=[c[0] for c in CASES])
def test_hours_match_the_reading(policies, rid, juris, zone, reading, channel) -> None:
    tz = pytz.timezone(zone)
    pol = policies[rid]
    account = {"jurisdictions": juris, "timezones": [zone]}

    @settings(max_examples=60, deadline=None)
    @given(st.datetimes(min_value=_dt.datetime(2024, 4, 2), max_value=_dt.datetime(2026, 12, 31)))
    def run(naive):
        local = tz.normalize(tz.localize(naive.replace(microsecond=0)))
        d = pol.check({"channel": channel, "at": local.isoformat(), "debt_id": "D1"}, account=account, history=[])
        expect = reading(local)
        assert d.allowed == expect, (rid, local.isoformat())
        if not d.allowed and d.next_allowed_at is not None:
            nxt = d.next_allowed_at.astimezone(tz)
            assert nxt > local and reading(nxt), (rid, local.isoformat(), nxt.isoformat())
            # no allowed minute in between (all these openings fall on whole minutes)
            t = local.replace(second=0) + _dt.timedelta(minutes=1)
            steps = 0
            while t < nxt and steps < 6 * 24 * 60:
                assert not reading(tz.normalize(t)), (rid, local.isoformat(), t.isoformat(), nxt.isoformat())
                t += _dt.timedelta(minutes=1)
                steps += 1

    run()
