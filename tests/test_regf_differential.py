"""Differential test of the Regulation F timing engine (issue #9 acceptance): an own brute-force
reading of 12 CFR 1006.6(b)(1)(i) (08:00-21:00 consumer-local, in every candidate zone) and
1006.14(b)(2)(i) (more than seven calls within seven consecutive days; a call within seven days
after a telephone conversation), counted on consumer-local calendar dates, against
``Policy.check``; and ``next_allowed`` against a minute-by-minute search with the same reading.
Sized for the default run (DST days, half-hour and 45-minute zones, several zones at once)."""

import datetime as dt

import pytz
from hypothesis import given, settings
from hypothesis import strategies as st

import collectrules

POLICY = collectrules.load_policy(["us-federal"])
ZONES = ["America/Chicago", "America/New_York", "America/Los_Angeles", "America/Phoenix", "America/St_Johns",
         "Asia/Kolkata", "Asia/Kathmandu", "Australia/Adelaide", "Pacific/Honolulu", "Europe/London",
         "Australia/Lord_Howe"]
#: days around DST changes (US 2025-03-09, 2025-11-02; EU 2025-03-30; AU 2025-04-06) and plain days
DAYS = [dt.date(2025, 3, 8), dt.date(2025, 3, 9), dt.date(2025, 11, 1), dt.date(2025, 11, 2), dt.date(2025, 3, 30),
        dt.date(2025, 4, 6), dt.date(2025, 6, 2), dt.date(2026, 1, 15)]
OUTCOMES = ["no_answer", "voicemail", "busy", "not_connected", "conversation"]


def brute_allows(at, zones, history):
    """Our reading, independent of the evaluator."""
    for z in zones:
        loc = at.astimezone(z)
        s = loc.hour * 3600 + loc.minute * 60 + loc.second
        if not 8 * 3600 <= s < 21 * 3600:
            return False
        d = loc.date()
        in_week = [c for c in history if 0 <= (d - c[0].astimezone(z).date()).days <= 6 and c[0] < at]
        # 1006.14(b)(3)(ii): busy / not connected are not placed calls that count
        if sum(1 for c in in_week if c[1] not in ("busy", "not_connected")) >= 7:
            return False
        if any(c[1] == "conversation" for c in in_week):
            return False
    return True


#: any second of the day, often the edges (07:59:59, 08:00:00, 20:59:59, 21:00:00 in the first zone)
SECONDS = st.one_of(st.integers(0, 86399), st.sampled_from([28799, 28800, 75599, 75600]))
instants = st.builds(lambda day, secs: (day, secs), st.sampled_from(DAYS), SECONDS)
#: mostly counted calls (so the 7-in-7 edge is reached often), some not counted, few conversations
COUNTED = st.sampled_from(["no_answer"] * 6 + ["voicemail"] * 3 + ["busy", "not_connected", "conversation"])
contacts = st.one_of(
    st.lists(st.tuples(st.integers(1, 9 * 24 * 60), st.sampled_from(OUTCOMES)), max_size=10),
    st.lists(st.tuples(st.integers(1, 8 * 24 * 60), COUNTED), min_size=5, max_size=11),
)


def _case(day_secs, zone_names, past):
    day, secs = day_secs
    z0 = pytz.timezone(zone_names[0])
    at = z0.localize(dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=secs), is_dst=True)
    at = z0.normalize(at)
    history = [(at - dt.timedelta(minutes=m), o) for m, o in past]
    return at, [pytz.timezone(n) for n in zone_names], history


def _request(at, zone_names, history):
    attempt = {"channel": "call", "at": at, "debt_id": "D1"}
    account = {"jurisdictions": ["US"], "timezones": list(zone_names)}
    hist = [{"channel": "call", "at": t, "debt_ids": ["D1"], "outcome": o} for t, o in history]
    return attempt, account, hist


@settings(max_examples=250, deadline=None)
@given(instants, st.lists(st.sampled_from(ZONES), min_size=1, max_size=3, unique=True), contacts)
def test_check_agrees_with_a_brute_force_reading(day_secs, zone_names, past):
    at, zones, history = _case(day_secs, zone_names, past)
    attempt, account, hist = _request(at, zone_names, history)
    d = POLICY.check(attempt, account=account, history=hist, next_allowed=False)
    assert d.allowed == brute_allows(at, zones, history), d.explain()


@settings(max_examples=25, deadline=None)
@given(instants, st.lists(st.sampled_from(ZONES), min_size=1, max_size=2, unique=True),
       st.lists(st.tuples(st.integers(1, 3 * 24 * 60), st.sampled_from(OUTCOMES)), max_size=8))
def test_next_allowed_agrees_with_a_minute_search(day_secs, zone_names, past):
    at, zones, history = _case(day_secs, zone_names, past)
    attempt, account, hist = _request(at, zone_names, history)
    got = POLICY.next_allowed(attempt, account=account, history=hist, horizon_days=10)
    # the minute search: every whole minute from ``at`` (plus ``at`` itself), 10 days ahead
    start = at.replace(second=0, microsecond=0)
    first = at if brute_allows(at, zones, history) else None
    t = start
    end = at + dt.timedelta(days=10)
    while first is None and t <= end:
        if t >= at and brute_allows(t, zones, history):
            first = t
        t += dt.timedelta(minutes=1)
    if first is None:
        assert got is None or got > end - dt.timedelta(minutes=1)
        return
    assert got is not None
    # next_allowed is second-exact: it is allowed, not later than the first allowed minute, and
    # no minute before it is allowed
    assert brute_allows(got, zones, history)
    assert at <= got <= first
    assert first - got < dt.timedelta(minutes=1)
