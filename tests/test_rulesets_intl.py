"""Canada (ON, BC, QC), UK, Australia, India, Indonesia and Philippines rulesets, and the
general engine pieces they needed: the ``notice_wait`` rule kind, ``rolling_months`` count
windows, holiday categories in ``blackout``, the ``breathing_space`` account state and the
default zones of the subdivisions shipped.

Values come from the regulators' texts cited in the rulesets (e.g. Ontario Reg. 74: Sunday
13:00-17:00; ACCC/ASIC guideline: 10 contacts per month; SEC MC 18: 06:00/22:00 and 15 days).
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import collectrules
from collectrules import clock, jurisdictions
from collectrules.errors import RulesetError
from collectrules.models import Account
from collectrules.rules.frequency_cap import rolling_months_exit, rolling_months_start


@pytest.fixture(scope="module")
def shipped():
    return collectrules.load_policy()


def _policy(tmp_path, body: str, name: str = "t.yaml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(body), encoding="utf-8")
    return collectrules.load_policy([str(p)])


# ------------------------------------------------------------------------------------------
# issue 3 acceptance cases (all shipped rulesets loaded)

ON_ACCOUNT = {"jurisdictions": ["CA-ON"], "timezones": ["America/Toronto"],
              "notice_sent_at": "2025-01-06T10:00:00-05:00"}


def test_ontario_sunday_1230_denied(shipped):
    d = shipped.check({"channel": "call", "at": "2025-06-01T12:30:00-04:00", "debt_id": "D1", "dialer": "manual"},
                      account=ON_ACCOUNT)
    assert not d.allowed
    assert [v.rule_id for v in d.violations] == ["on-contact-hours"]
    assert d.next_allowed_at == dt.datetime.fromisoformat("2025-06-01T13:00:00-04:00")
    assert "ca-on" in d.rulesets


def test_ontario_sunday_1300_allowed(shipped):
    d = shipped.check({"channel": "call", "at": "2025-06-01T13:00:00-04:00", "debt_id": "D1", "dialer": "manual"},
                      account=ON_ACCOUNT)
    assert d.allowed, d.explain()


def test_ontario_without_zone_uses_every_ontario_zone(shipped):
    # CA-ON spans Eastern and Central time: 13:00 Toronto is 12:00 Winnipeg, still too early
    acct = {"jurisdictions": ["CA-ON"], "notice_sent_at": "2025-01-06T10:00:00-05:00"}
    d = shipped.check({"channel": "call", "at": "2025-06-01T13:00:00-04:00", "debt_id": "D1", "dialer": "manual"}, account=acct)
    assert not d.allowed
    assert shipped.next_allowed({"channel": "call", "at": "2025-06-01T13:00:00-04:00", "debt_id": "D1", "dialer": "manual"},
                                account=acct) == dt.datetime.fromisoformat("2025-06-01T14:00:00-04:00")


def test_jakarta_sunday_denied(shipped):
    d = shipped.check({"channel": "call", "at": "2025-06-08T10:00:00+07:00", "debt_id": "K1", "dialer": "manual"},
                      account={"jurisdictions": ["ID-JK"], "timezones": ["Asia/Jakarta"]})
    assert not d.allowed
    assert "id-pojk22-no-sunday-or-national-holiday" in {v.rule_id for v in d.violations}
    assert d.next_allowed_at == dt.datetime.fromisoformat("2025-06-09T08:00:00+07:00")


def test_jakarta_account_without_zone_gets_wib(shipped):
    d = shipped.check({"channel": "call", "at": "2025-06-09T19:59:59+07:00", "debt_id": "K1", "dialer": "manual"},
                      account={"jurisdictions": ["ID-JK"]})
    assert d.allowed, d.explain()


def test_all_shipped_intl_rules_are_covered():
    from collectrules.testing import run_tests

    report = run_tests([str(Path(__file__).resolve().parents[1] / "rulesets")])
    assert report.ok, [c.message for c in report.failed]
    for rs in ("ca-on", "ca-bc", "ca-qc", "gb-fca-conc", "au-accc-asic", "in-rbi", "id-pojk-22-2023", "ph-sec-mc18"):
        assert rs in report.rules
        assert rs not in report.untested, report.untested[rs]
        assert sum(1 for c in report.cases if c.ruleset == rs) >= 5


# ------------------------------------------------------------------------------------------
# shipped values spot checks


def test_philippines_15_days_past_due_boundary(shipped):
    at = {"channel": "call", "at": "2025-06-02T22:00:00+08:00", "debt_id": "P1", "dialer": "manual"}
    base = {"jurisdictions": ["PH"], "timezones": ["Asia/Manila"]}
    assert not shipped.check(at, account={**base, "days_past_due": 15}).allowed
    assert shipped.check(at, account={**base, "days_past_due": 16}).allowed
    assert not shipped.check(at, account=base).allowed  # unknown: fail closed


def test_india_half_hour_zone(shipped):
    acct = {"jurisdictions": ["IN"]}
    # 13:29:59 UTC = 18:59:59 IST; 13:30:00 UTC = 19:00:00 IST
    assert shipped.check({"channel": "call", "at": "2025-06-02T13:29:59Z", "debt_id": "L", "dialer": "manual"}, account=acct).allowed
    d = shipped.check({"channel": "call", "at": "2025-06-02T13:30:00Z", "debt_id": "L", "dialer": "manual"}, account=acct)
    assert not d.allowed and d.violations[0].rule_id == "in-rbi-call-hours"


def test_australia_brisbane_has_no_dst_sydney_does(shipped):
    # 2026-01-04 20:45 UTC is Monday 07:45 in Sydney (AEDT, +11) but 06:45 in Brisbane (+10)
    at = {"channel": "call", "at": "2026-01-04T20:45:00Z", "debt_id": "A", "dialer": "manual"}
    assert shipped.check(at, account={"jurisdictions": ["AU-NSW"], "timezones": ["Australia/Sydney"]}).allowed
    d = shipped.check(at, account={"jurisdictions": ["AU-QLD"]})
    assert not d.allowed
    assert d.next_allowed_at == dt.datetime.fromisoformat("2026-01-05T07:30:00+10:00")


def test_breathing_space_stops_contact_in_gb(shipped):
    acct = {"jurisdictions": ["GB"], "timezones": ["Europe/London"], "breathing_space": True}
    d = shipped.check({"channel": "call", "at": "2025-06-02T12:00:00+01:00", "debt_id": "G", "dialer": "manual"}, account=acct)
    assert not d.allowed and d.next_allowed_at is None
    assert [v.rule_id for v in d.violations] == ["gb-breathing-space"]


def test_gb_hours_only_warn(shipped):
    d = shipped.check({"channel": "call", "at": "2025-06-02T22:00:00+01:00", "debt_id": "G", "dialer": "manual"},
                      account={"jurisdictions": ["GB"], "timezones": ["Europe/London"]})
    assert d.allowed and [w.rule_id for w in d.warnings] == ["gb-conc-reasonable-hours"]


def test_breathing_space_field_exists_and_defaults_off():
    assert "breathing_space" in Account.model_fields
    assert Account(jurisdictions=["GB"]).breathing_space is False


# ------------------------------------------------------------------------------------------
# notice_wait rule kind

NOTICE_RULESET = """
id: t-notice
title: notice test
jurisdiction: CA
source: https://example.invalid/
version: "1"
rules:
  - id: wait
    kind: notice_wait
    citation: test
    status: confirmed
    channels: [call, letter]
    days: 6
    notice_channels: [letter]
{extra}
"""


@pytest.fixture
def notice_policy(tmp_path):
    return _policy(tmp_path, NOTICE_RULESET.format(extra=""))


def _acct(sent=None, zones=("America/Toronto",)):
    a = {"jurisdictions": ["CA-ON"], "timezones": list(zones)}
    if sent:
        a["notice_sent_at"] = sent
    return a


def test_notice_missing_denies_call_and_waiting_cannot_help(notice_policy):
    att = {"channel": "call", "at": "2025-06-03T10:00:00-04:00", "debt_id": "D", "dialer": "manual"}
    d = notice_policy.check(att, account=_acct())
    assert not d.allowed and d.next_allowed_at is None
    assert "first contact must be the written notice" in d.violations[0].message
    assert notice_policy.next_allowed(att, account=_acct()) is None


def test_notice_missing_allows_the_notice_channel(notice_policy):
    d = notice_policy.check({"channel": "letter", "at": "2025-06-03T10:00:00-04:00", "debt_id": "D"},
                            account=_acct())
    assert d.allowed


def test_notice_channel_denied_inside_the_wait(notice_policy):
    # once a notice is on file, a second letter inside the wait is contact too
    d = notice_policy.check({"channel": "letter", "at": "2025-06-05T10:00:00-04:00", "debt_id": "D"},
                            account=_acct("2025-06-03T10:00:00-04:00"))
    assert not d.allowed


def test_notice_wait_boundary_is_local_midnight(notice_policy):
    acct = _acct("2025-06-03T23:59:00-04:00")
    last = {"channel": "call", "at": "2025-06-09T23:59:59.999999-04:00", "debt_id": "D", "dialer": "manual"}
    first = {"channel": "call", "at": "2025-06-10T00:00:00-04:00", "debt_id": "D", "dialer": "manual"}
    assert not notice_policy.check(last, account=acct).allowed
    assert notice_policy.check(first, account=acct).allowed
    assert notice_policy.next_allowed(last, account=acct) == dt.datetime.fromisoformat("2025-06-10T00:00:00-04:00")


def test_notice_sent_after_the_attempt_counts_as_not_sent(notice_policy):
    acct = _acct("2025-06-03T10:00:00-04:00")
    d = notice_policy.check({"channel": "call", "at": "2025-06-02T10:00:00-04:00", "debt_id": "D", "dialer": "manual"}, account=acct)
    assert not d.allowed
    assert d.next_allowed_at == dt.datetime.fromisoformat("2025-06-10T00:00:00-04:00")
    # and the letter before the notice instant may itself be the notice
    assert notice_policy.check({"channel": "letter", "at": "2025-06-02T10:00:00-04:00", "debt_id": "D"},
                               account=acct).allowed


def test_notice_wait_every_zone_must_have_finished(notice_policy):
    # 23:30 in Vancouver on 06-03 is 02:30 on 06-04 in Toronto: Toronto's wait ends a day later
    acct = _acct("2025-06-03T23:30:00-07:00", zones=("America/Vancouver", "America/Toronto"))
    att = {"channel": "call", "at": "2025-06-10T12:00:00-04:00", "debt_id": "D", "dialer": "manual"}
    assert not notice_policy.check(att, account=acct).allowed
    nxt = notice_policy.next_allowed(att, account=acct)
    assert nxt == dt.datetime.fromisoformat("2025-06-11T00:00:00-04:00")


def test_notice_sent_date_is_day_one(tmp_path):
    p = _policy(tmp_path, NOTICE_RULESET.format(extra="    sent_date_is_day_one: true"))
    acct = _acct("2025-06-03T10:00:00-04:00")
    assert p.check({"channel": "call", "at": "2025-06-09T00:00:00-04:00", "debt_id": "D", "dialer": "manual"}, account=acct).allowed
    assert not p.check({"channel": "call", "at": "2025-06-08T23:59:59-04:00", "debt_id": "D", "dialer": "manual"}, account=acct).allowed


def test_notice_wait_needs_notice_channels(tmp_path):
    body = NOTICE_RULESET.format(extra="").replace("    notice_channels: [letter]\n", "")
    with pytest.raises(RulesetError) as exc:
        _policy(tmp_path, body)
    assert "notice_channels" in str(exc.value)


# ------------------------------------------------------------------------------------------
# rolling_months windows


@pytest.mark.parametrize("day,months,start", [
    ("2025-03-15", 1, "2025-02-16"),
    ("2025-03-31", 1, "2025-03-01"),   # 31 Feb does not exist: clamp to 28 Feb, then +1
    ("2024-03-31", 1, "2024-03-01"),   # leap year: 29 Feb + 1
    ("2025-01-10", 1, "2024-12-11"),
    ("2025-04-30", 2, "2025-03-01"),
])
def test_rolling_months_start(day, months, start):
    assert rolling_months_start(dt.date.fromisoformat(day), months) == dt.date.fromisoformat(start)


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31)), st.integers(1, 24))
def test_rolling_months_exit_is_the_first_date_leaving_the_window(day, months):
    e = rolling_months_exit(day, months)
    assert rolling_months_start(e, months) > day
    assert rolling_months_start(e - dt.timedelta(days=1), months) <= day
    assert e > day


MONTH_RULESET = """
id: t-month
title: month test
jurisdiction: AU
source: https://example.invalid/
version: "1"
rules:
  - id: cap
    kind: frequency_cap
    citation: test
    status: confirmed
    max: 2
    window: {rolling_months: 1}
    count: {outcomes: [conversation]}
"""


def test_rolling_month_cap_and_its_reopening(tmp_path):
    p = _policy(tmp_path, MONTH_RULESET)
    acct = {"jurisdictions": ["AU-NSW"], "timezones": ["Australia/Sydney"]}
    hist = [
        {"channel": "call", "at": "2025-01-31T10:00:00+11:00", "debt_ids": ["A"], "outcome": "conversation"},
        {"channel": "call", "at": "2025-02-10T10:00:00+11:00", "debt_ids": ["A"], "outcome": "conversation"},
    ]
    att = {"channel": "call", "at": "2025-02-28T10:00:00+11:00", "debt_id": "A", "dialer": "manual"}
    d = p.check(att, account=acct, history=hist)
    assert not d.allowed
    # on 28 Feb the window is 29 Jan..28 Feb; 31 Jan leaves on 1 Mar (window 2 Feb..1 Mar)
    assert d.next_allowed_at == dt.datetime.fromisoformat("2025-03-01T00:00:00+11:00")
    assert "2025-01-29..2025-02-28" in d.explain()


def test_rolling_months_is_exclusive_with_other_windows(tmp_path):
    with pytest.raises(RulesetError) as exc:
        _policy(tmp_path, MONTH_RULESET.replace("{rolling_months: 1}", "{rolling_months: 1, rolling_days: 7}"))
    assert "exactly one" in str(exc.value)


# ------------------------------------------------------------------------------------------
# holiday categories and zones


def test_ontario_optional_holidays_come_from_the_optional_category():
    public = clock.holiday_calendar("CA", "ON", 2025)
    both = clock.holiday_calendar("CA", "ON", 2025, ("public", "optional"))
    extra = {dt.date(2025, 4, 21), dt.date(2025, 8, 4), dt.date(2025, 11, 11)}  # Easter Mon, Civic, Remembrance
    assert not extra & public
    assert extra <= both
    assert public <= both


def test_unknown_holiday_category_is_a_load_error(tmp_path):
    body = """
    id: t-cat
    title: cat
    jurisdiction: CA-ON
    source: https://example.invalid/
    version: "1"
    rules:
      - id: hol
        kind: blackout
        citation: test
        status: confirmed
        public_holidays: true
        calendar: CA-ON
        holiday_categories: [bank]
    """
    with pytest.raises(RulesetError) as exc:
        _policy(tmp_path, body)
    assert "holiday_categories" in str(exc.value)


@pytest.mark.parametrize("code,zone", [
    ("CA-ON", "America/Toronto"), ("CA-BC", "America/Vancouver"), ("CA-QC", "America/Toronto"),
    ("AU-QLD", "Australia/Brisbane"), ("AU-NSW", "Australia/Sydney"), ("AU-WA", "Australia/Perth"),
    ("ID-JK", "Asia/Jakarta"), ("ID-BA", "Asia/Makassar"), ("ID-PA", "Asia/Jayapura"),
])
def test_default_zones(code, zone):
    zones = jurisdictions.zones_for(code)
    assert zones[0] == zone
    for z in zones:
        clock.get_zone(z)


@settings(max_examples=200, deadline=None)
@given(sent=st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2026, 12, 31),
                         timezones=st.just(dt.timezone.utc)),
       delta_minutes=st.integers(min_value=-3 * 24 * 60, max_value=12 * 24 * 60))
def test_notice_wait_matches_a_date_oracle(tmp_path_factory, sent, delta_minutes):
    # allowed iff the attempt's Toronto date is at least 7 dates after the notice's Toronto date
    # (and the notice was sent at or before the attempt), whatever the DST state
    global _NOTICE_POLICY
    if _NOTICE_POLICY is None:
        _NOTICE_POLICY = _policy(tmp_path_factory.mktemp("nw"), NOTICE_RULESET.format(extra=""))
    at = sent + dt.timedelta(minutes=delta_minutes)
    tz = clock.get_zone("America/Toronto")
    d = _NOTICE_POLICY.check({"channel": "call", "at": at.isoformat(), "debt_id": "D", "dialer": "manual"},
                             account=_acct(sent.isoformat()), next_allowed=False)
    expected = at >= sent and (at.astimezone(tz).date() - sent.astimezone(tz).date()).days >= 7
    assert d.allowed == expected


_NOTICE_POLICY = None


def test_unknown_category_on_a_derived_calendar_fails_closed(tmp_path):
    body = """
    id: t-cat2
    title: cat
    jurisdiction: CA
    source: https://example.invalid/
    version: "1"
    rules:
      - id: hol
        kind: blackout
        citation: test
        status: confirmed
        public_holidays: true
        holiday_categories: [bank]
    """
    p = _policy(tmp_path, body)
    d = p.check({"channel": "call", "at": "2025-06-03T10:00:00-04:00", "debt_id": "D", "dialer": "manual"},
                account={"jurisdictions": ["CA-ON"], "timezones": ["America/Toronto"]})
    assert not d.allowed
    assert "cannot decide holidays" in d.violations[0].message
