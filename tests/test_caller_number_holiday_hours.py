"""The two general rule kinds added for round 2: ``caller_number`` (TRAI 1600-series) and
``holiday_hours`` (Thailand's shorter holiday window), checked against an own brute-force
reading of the sources with hypothesis, plus the ``caller_number_type`` field contract."""

from __future__ import annotations

import datetime as _dt
import functools

import holidays as _holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import collectrules
from collectrules.vocab import CALLER_NUMBER_TYPES

BKK = _dt.timezone(_dt.timedelta(hours=7))  # Asia/Bangkok: UTC+07:00, no DST
IST = _dt.timezone(_dt.timedelta(hours=5, minutes=30))


@pytest.fixture(scope="module")
def th():
    return collectrules.load_policy(["th-debt-collection-act"])


@pytest.fixture(scope="module")
def india():
    return collectrules.load_policy(["in-trai-1600"])


@functools.lru_cache(maxsize=None)
def _th_holidays(year: int) -> frozenset:
    return frozenset(_holidays.country_holidays("TH", years=year))


def _th_allowed_by_reading(local: _dt.datetime) -> bool:
    """s. 9(3): working days [08:00, 20:00); Saturdays, Sundays and official holidays [08:00, 18:00)."""
    day = local.date()
    holiday = local.weekday() >= 5 or day in _th_holidays(day.year)
    close = 18 if holiday else 20
    secs = local.hour * 3600 + local.minute * 60 + local.second
    return 8 * 3600 <= secs < close * 3600


@settings(max_examples=100, deadline=None)
@given(st.datetimes(min_value=_dt.datetime(2024, 1, 1), max_value=_dt.datetime(2026, 12, 31)))
def test_thailand_hours_match_the_reading(th, naive) -> None:
    local = naive.replace(microsecond=0, tzinfo=BKK)
    d = th.check({"channel": "call", "at": local.isoformat(), "debt_id": "T1"},
                 account={"jurisdictions": ["TH"], "timezones": ["Asia/Bangkok"]}, history=[])
    assert d.allowed == _th_allowed_by_reading(local), local
    if not d.allowed:
        # next_allowed_at is the first second the reading allows (checked by a minute walk, then
        # the exact second: every opening is on a whole hour)
        nxt = d.next_allowed_at.astimezone(BKK)
        assert nxt > local and _th_allowed_by_reading(nxt)
        t = local.replace(second=0) + _dt.timedelta(minutes=1)
        while t < nxt:
            assert not _th_allowed_by_reading(t), (local, t, nxt)
            t += _dt.timedelta(minutes=1)


@pytest.mark.parametrize("day,close", [
    ("2025-12-04", 20),  # Thursday
    ("2025-12-05", 18),  # Friday, National Day (official holiday)
    ("2025-12-06", 18),  # Saturday
    ("2025-04-14", 18),  # Monday, Songkran
    ("2025-04-17", 20),  # Thursday after Songkran
])
def test_thailand_closing_time_by_day(th, day, close) -> None:
    acct = {"jurisdictions": ["TH"], "timezones": ["Asia/Bangkok"]}
    before = th.check({"channel": "sms", "at": f"{day}T{close - 1}:59:59+07:00", "debt_id": "T1"}, account=acct)
    at = th.check({"channel": "sms", "at": f"{day}T{close}:00:00+07:00", "debt_id": "T1"}, account=acct)
    assert before.allowed and not at.allowed


def test_holiday_given_on_the_account_shortens_the_day(th) -> None:
    acct = {"jurisdictions": ["TH"], "timezones": ["Asia/Bangkok"], "holidays": ["2025-12-04"]}
    d = th.check({"channel": "call", "at": "2025-12-04T19:00:00+07:00", "debt_id": "T1"}, account=acct)
    assert {v.rule_id for v in d.violations} == {"th-holiday-hours"}


@settings(max_examples=60, deadline=None)
@given(st.sampled_from((None,) + CALLER_NUMBER_TYPES),
       st.dates(min_value=_dt.date(2025, 10, 1), max_value=_dt.date(2026, 6, 30)),
       st.sampled_from(["call", "voicemail", "sms", "email"]))
def test_caller_number_matches_the_reading(india, kind, day, channel) -> None:
    attempt = {"channel": channel, "at": _dt.datetime.combine(day, _dt.time(11), IST).isoformat(), "debt_id": "L1"}
    if kind is not None:
        attempt["caller_number_type"] = kind
    d = india.check(attempt, account={"jurisdictions": ["IN"], "timezones": ["Asia/Kolkata"],
                                      "institution_type": "bank"}, history=[])
    if day < _dt.date(2026, 1, 1):
        # before the ruleset's effective date no loaded ruleset governs the instant: fail closed
        assert not d.allowed and [v.rule_id for v in d.violations] == ["no-ruleset-in-effect"]
        return
    must_deny = channel in ("call", "voicemail") and kind != "service_series"
    assert d.allowed == (not must_deny)
    if must_deny:
        assert d.next_allowed_at is None  # waiting does not change the number
        msg = d.violations[0].message
        assert ("not stated" in msg) if kind is None else (kind in msg)


def test_caller_number_type_is_a_closed_vocabulary(india) -> None:
    with pytest.raises(collectrules.InputError):
        india.check({"channel": "call", "at": "2026-02-02T10:00:00+05:30", "debt_id": "L1",
                     "caller_number_type": "1600-12345"}, account={"jurisdictions": ["IN"]}, history=[])


def test_caller_number_rule_in_a_house_ruleset(tmp_path) -> None:
    """The kind is general: a house rule requiring registered numbers for texts."""
    p = tmp_path / "house.yaml"
    p.write_text(
        "id: house-registered\ntitle: t\njurisdiction: CN\nsource: https://example.invalid/\nversion: '1'\n"
        "rules:\n  - id: registered-sms\n    kind: caller_number\n    citation: house policy\n    status: confirmed\n"
        "    channels: [sms]\n    allowed_types: [registered, service_series]\n", encoding="utf-8")
    pol = collectrules.load_policy([str(p)])
    acct = {"jurisdictions": ["CN"]}
    at = "2025-06-02T10:00:00+08:00"
    assert pol.check({"channel": "sms", "at": at, "debt_id": "X", "caller_number_type": "registered"},
                     account=acct).allowed
    assert not pol.check({"channel": "sms", "at": at, "debt_id": "X", "caller_number_type": "ordinary"},
                         account=acct).allowed
    assert pol.check({"channel": "call", "at": at, "debt_id": "X"}, account=acct).allowed


def test_caller_number_and_holiday_hours_in_the_schema() -> None:
    from collectrules.ruleset.schema import json_schema

    text = str(json_schema())
    assert "caller_number" in text and "holiday_hours" in text and "last_verified" in text


# --- channel_lock (Colombia: one channel a week after a direct contact) ----------------------

_BOG = _dt.timezone(_dt.timedelta(hours=-5))
_CHANS = ["call", "sms", "email"]


@pytest.fixture(scope="module")
def co_lock(tmp_path_factory):
    p = tmp_path_factory.mktemp("lock") / "lock.yaml"
    p.write_text(
        "id: lock-only\ntitle: t\njurisdiction: CO\nsource: https://example.invalid/\nversion: '1'\n"
        "rules:\n  - id: lock\n    kind: channel_lock\n    citation: Ley 2300 de 2023, art. 3\n    status: confirmed\n"
        "    channels: [call, sms, email]\n    window: {rolling_days: 7}\n"
        "    trigger: {outcomes: [conversation], directions: [outbound, inbound]}\n    max_channels: 1\n",
        encoding="utf-8")
    return collectrules.load_policy([str(p)])


@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 13), st.sampled_from(_CHANS), st.booleans(), st.booleans()), max_size=8),
       st.sampled_from(_CHANS))
def test_channel_lock_matches_the_reading(co_lock, rows, channel) -> None:
    day0 = _dt.date(2025, 6, 2)
    attempt_day = day0 + _dt.timedelta(days=13)
    hist = []
    for off, ch, conv, inbound in rows:
        at = _dt.datetime.combine(day0 + _dt.timedelta(days=off), _dt.time(9), _BOG)
        hist.append({"channel": ch, "at": at.isoformat(), "debt_ids": ["C1"],
                     "outcome": "conversation" if conv else ("no_answer" if ch == "call" else "delivered"),
                     "direction": "inbound" if inbound else "outbound"})
    at = _dt.datetime.combine(attempt_day, _dt.time(12), _BOG)
    d = co_lock.check({"channel": channel, "at": at.isoformat(), "debt_id": "C1"},
                      account={"jurisdictions": ["CO"], "timezones": ["America/Bogota"]}, history=hist)
    in_week = [r for r in rows if r[0] >= 13 - 6]
    locked = any(conv for _o, _c, conv, _i in in_week)
    used = {ch for _o, ch, _conv, inbound in in_week if not inbound} | {channel}
    assert d.allowed == (not locked or len(used) <= 1), (rows, channel)
    if not d.allowed:
        assert d.next_allowed_at > at


def test_channel_lock_needs_rolling_days() -> None:
    from pydantic import ValidationError

    from collectrules.rules.channel_lock import ChannelLockRule

    with pytest.raises(ValidationError):
        ChannelLockRule.model_validate({"id": "x", "kind": "channel_lock", "citation": "c", "status": "partial",
                                        "window": {"calendar_month": True},
                                        "trigger": {"outcomes": ["conversation"]}})
