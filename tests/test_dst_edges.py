"""Windows around DST changes: openings in a repeated hour, a window the clock falls back into,
closings in a repeated hour, and openings inside a spring-forward gap."""

import datetime as dt

import pytz

from collectrules.clock import WindowSet, parse_clock

NY = pytz.timezone("America/New_York")
SANTIAGO = pytz.timezone("America/Santiago")
UTC = dt.timezone.utc


def ws(start, end, boundary="half_open"):
    return WindowSet([(range(7), parse_clock(start), parse_clock(end))], boundary)


def utc(s):
    return dt.datetime.fromisoformat(s).astimezone(UTC)


def test_opening_in_the_repeated_hour_uses_the_second_occurrence():
    # 2025-11-02: 01:00-01:59 EDT, then 01:00-01:59 EST
    w = ws("01:30", "01:45")
    assert w.next_opening(NY, utc("2025-11-02T01:51:00-04:00")) == utc("2025-11-02T01:30:00-05:00")
    assert w.next_opening(NY, utc("2025-11-02T01:00:00-04:00")) == utc("2025-11-02T01:30:00-04:00")


def test_clock_falling_back_into_a_window_opens_it():
    w = ws("00:00", "01:30")
    assert w.next_opening(NY, utc("2025-11-02T01:45:00-04:00")) == utc("2025-11-02T01:00:00-05:00")


def test_closing_in_the_repeated_hour():
    w = ws("01:00", "01:45")
    assert w.next_closing(NY, utc("2025-11-02T01:10:00-05:00")) == utc("2025-11-02T01:45:00-05:00")
    assert w.next_closing(NY, utc("2025-11-02T01:10:00-04:00")) == utc("2025-11-02T01:45:00-04:00")


def test_opening_inside_the_spring_forward_gap_is_the_transition():
    # 2025-03-09 02:00 EST -> 03:00 EDT: a window opening at 02:30 opens at 03:00 EDT
    w = ws("02:30", "05:00")
    assert w.next_opening(NY, utc("2025-03-09T01:00:00-05:00")) == utc("2025-03-09T03:00:00-04:00")


def test_santiago_midnight_fall_back():
    # America/Santiago fell back at 24:00 on 2025-04-05 (-03 -> -04): 23:00-23:59 occurs twice
    w = ws("23:15", "23:45")
    after = utc("2025-04-05T23:50:00-03:00")
    assert w.next_opening(SANTIAGO, after) == utc("2025-04-05T23:15:00-04:00")
