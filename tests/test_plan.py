"""Contact plans (issue #15): soundness and completeness by hypothesis, plan_table == plan_contacts."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import collectrules
from collectrules import InputError
from collectrules.plan import plan_contacts, plan_table

UTC = dt.timezone.utc
ZONES = ["America/Chicago", "America/New_York", "America/Phoenix", "Pacific/Honolulu", "America/Los_Angeles"]
STARTS = [dt.date(2025, 3, 7), dt.date(2025, 10, 31), dt.date(2025, 6, 2), dt.date(2025, 12, 22)]


@pytest.fixture(scope="module")
def policy():
    return collectrules.load_policy(["us-federal", "us-ma", "us-wa"])


def planned_contacts(times, channel, outcome, debt="D"):
    return [{"channel": channel, "at": t, "debt_ids": [debt], "outcome": outcome} for t in times]


def allowed(policy, t, account, history, channel, debt="D"):
    return policy.check({"channel": channel, "at": t, "debt_id": debt}, account=account, history=history,
                        next_allowed=False).allowed


cases = st.fixed_dictionaries({
    "zone": st.sampled_from(ZONES),
    "jur": st.sampled_from(["US-IL", "US-MA", "US-WA", "US-TX"]),
    "start": st.sampled_from(STARTS),
    "start_hour": st.integers(0, 23),
    "days": st.integers(1, 8),
    "slot": st.sampled_from([30, 45, 60, 90, 25]),
    "channel": st.sampled_from(["call", "call", "sms", "email"]),
    "outcome": st.sampled_from(["no_answer", "conversation", "voicemail"]),
    "past": st.lists(st.tuples(st.integers(-9 * 24 * 60, -1), st.sampled_from(["no_answer", "conversation", "busy"])),
                     max_size=9),
    "max": st.one_of(st.none(), st.integers(0, 6)),
})


def setup(c):
    z = zoneinfo.ZoneInfo(c["zone"])
    start = dt.datetime.combine(c["start"], dt.time(c["start_hour"]), tzinfo=z)
    end = start + dt.timedelta(days=c["days"])
    account = {"jurisdictions": [c["jur"]], "timezones": [c["zone"]]}
    history = [{"channel": "call", "at": start + dt.timedelta(minutes=m), "debt_ids": ["D"], "outcome": o}
               for m, o in c["past"]]
    return start, end, account, history, dt.timedelta(minutes=c["slot"])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases)
def test_plan_is_sound_and_skips_no_allowed_slot(policy, c):
    start, end, account, history, slot = setup(c)
    plan = plan_contacts(policy, account, history, channel=c["channel"], start=start, end=end, slot=slot,
                         max_contacts=c["max"], outcome=c["outcome"], debt_id="D")
    if c["max"] is not None:
        assert len(plan) <= c["max"]
    assert plan == sorted(plan) and len(set(plan)) == len(plan)
    # sound: every planned instant is allowed given the history and the earlier planned ones
    for i, t in enumerate(plan):
        assert start <= t < end and (t.astimezone(UTC) - start.astimezone(UTC)) % slot == dt.timedelta(0)
        assert allowed(policy, t, account, history + planned_contacts(plan[:i], c["channel"], c["outcome"]),
                       c["channel"])
    # complete: with max_contacts not reached, no slot that would have been allowed was skipped
    if c["max"] is None or len(plan) < c["max"]:
        t = start.astimezone(UTC)  # slots are an absolute grid (across DST changes)
        while t < end:
            if t not in plan:
                before = [p for p in plan if p < t]
                assert not allowed(policy, t, account, history + planned_contacts(before, c["channel"], c["outcome"]),
                                   c["channel"]), f"skipped allowed slot {t}"
            t += slot


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases, st.integers(0, 10_000))
def test_scored_plan_is_sound_and_prefers_high_scores(policy, c, seed):
    start, end, account, history, slot = setup(c)

    def score(t):
        return ((t.astimezone(UTC) - start.astimezone(UTC)) // slot * 7919 + seed) % 101

    plan = plan_contacts(policy, account, history, channel=c["channel"], start=start, end=end, slot=slot,
                         max_contacts=c["max"], outcome=c["outcome"], debt_id="D", score=score)
    if c["max"] is not None:
        assert len(plan) <= c["max"]
    assert plan == sorted(plan)
    for i, t in enumerate(plan):
        assert allowed(policy, t, account, history + planned_contacts(plan[:i], c["channel"], c["outcome"]),
                       c["channel"])
    # the best slot that is allowed on its own is always planned (it is tried first among them)
    s0 = start.astimezone(UTC)
    unplanned = [s0 + k * slot for k in range(int((end - start) / slot) + 1) if s0 + k * slot < end]
    alone = [t for t in unplanned if allowed(policy, t, account, history, c["channel"])]
    if alone and c["max"] != 0:
        best = max(score(t) for t in alone)
        assert any(score(t) == best for t in plan)


def test_reg_f_week_plan_values(policy):
    """Regulation F in Chicago, no history, calls every 30 minutes of a week, outcome unknown:
    counted as no-answer, 7 calls on the first day from 08:00 (1006.14(b)(2)(i)(A)), then none
    until the first leaves the 7-date window; counted as conversations (the strict default), one
    call, then 7 days after it (1006.14(b)(2)(i)(B))."""
    chi = zoneinfo.ZoneInfo("America/Chicago")
    acc = {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]}
    start = dt.datetime(2025, 6, 9, 0, 0, tzinfo=chi)
    plan = plan_contacts(policy, acc, [], channel="call", start=start, end=start + dt.timedelta(days=8),
                         outcome="no_answer", debt_id="D")
    first_day = [dt.datetime(2025, 6, 9, 8, 0, tzinfo=chi) + dt.timedelta(minutes=30 * k) for k in range(7)]
    assert plan[:7] == first_day
    assert plan[7] == dt.datetime(2025, 6, 16, 8, 0, tzinfo=chi)  # June 9 leaves the window on June 16
    strict = plan_contacts(policy, acc, [], channel="call", start=start, end=start + dt.timedelta(days=8), debt_id="D")
    assert strict == [dt.datetime(2025, 6, 9, 8, 0, tzinfo=chi), dt.datetime(2025, 6, 16, 8, 0, tzinfo=chi)]
    # the last slot before 21:00 is 20:30; 20:59:59 is inside, 21:00 is not (1006.6(b)(1)(i))
    late = plan_contacts(policy, acc, [], channel="call", start=dt.datetime(2025, 6, 9, 20, 0, tzinfo=chi),
                         end=dt.datetime(2025, 6, 9, 22, 0, tzinfo=chi), outcome="no_answer", debt_id="D",
                         slot=dt.timedelta(seconds=1799.5))
    assert late[-1] < dt.datetime(2025, 6, 9, 21, 0, tzinfo=chi)


def test_plan_across_the_fall_back_change_skips_no_slot(policy):
    """Found by hypothesis: a week from 2025-10-31 00:00 Chicago (DST ends on November 2), one
    call on October 30 and six planned on October 31 fill the 7-in-7 cap; October 30 leaves the
    window on November 6, so 08:00 CST that day is the next planned call (not 09:00)."""
    chi = zoneinfo.ZoneInfo("America/Chicago")
    acc = {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]}
    start = dt.datetime(2025, 10, 31, 0, 0, tzinfo=chi)
    hist = [{"channel": "call", "at": start - dt.timedelta(minutes=1), "debt_ids": ["D"], "outcome": "no_answer"}]
    plan = plan_contacts(policy, acc, hist, channel="call", start=start, end=start + dt.timedelta(days=7),
                         outcome="no_answer", debt_id="D")
    assert len(plan) == 7
    assert plan[5] == dt.datetime(2025, 10, 31, 10, 30, tzinfo=chi)
    assert plan[6] == dt.datetime(2025, 11, 6, 8, 0, tzinfo=chi)


def test_plan_stops_when_waiting_cannot_help(policy):
    acc = {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"], "cease_communication": True}
    assert plan_contacts(policy, acc, [], channel="call", start="2025-06-09T00:00:00-05:00",
                         end="2025-06-16T00:00:00-05:00") == []


def test_plan_argument_errors(policy):
    acc = {"jurisdictions": ["US-IL"]}
    kw = dict(channel="call", start="2025-06-09T00:00:00-05:00", end="2025-06-10T00:00:00-05:00")
    with pytest.raises(InputError, match="naive"):
        plan_contacts(policy, acc, [], **{**kw, "start": "2025-06-09T00:00:00"})
    with pytest.raises(InputError, match="slot"):
        plan_contacts(policy, acc, [], slot=dt.timedelta(0), **kw)
    with pytest.raises(InputError, match="slots"):
        plan_contacts(policy, acc, [], slot=dt.timedelta(seconds=1), **kw)
    with pytest.raises(InputError, match="several debts"):
        plan_contacts(policy, acc, [{"channel": "call", "at": "2025-06-01T10:00:00-05:00", "debt_ids": ["A"],
                                     "outcome": "busy"},
                                    {"channel": "call", "at": "2025-06-02T10:00:00-05:00", "debt_ids": ["B"],
                                     "outcome": "busy"}], **kw)
    with pytest.raises(InputError, match="finite"):
        plan_contacts(policy, acc, [], score=lambda t: float("nan"), **kw)
    with pytest.raises(InputError):
        plan_contacts(policy, acc, [], **{**kw, "channel": "fax"})


def test_plan_table_equals_plan_contacts(policy):
    zones = ZONES * 8
    accounts = pa.table({"account_id": [f"A{i}" for i in range(len(zones))] + ["bad"],
                         "jurisdictions": [["US-IL"]] * len(zones) + [["US-XX"]],
                         "timezones": [[z] for z in zones] + [["America/Chicago"]]})
    rows, hist = [], {}
    for i, z in enumerate(zones):
        for k in range(i % 9):
            t = dt.datetime(2025, 6, 8 - k % 7, 9 + k, tzinfo=zoneinfo.ZoneInfo(z)).astimezone(UTC)
            rows.append({"account_id": f"A{i}", "channel": "call", "at": t, "debt_ids": ["D"], "outcome": "no_answer"})
            hist.setdefault(f"A{i}", []).append({k2: v for k2, v in rows[-1].items() if k2 != "account_id"})
    contacts = pa.Table.from_pylist(rows)
    kw = dict(channel="call", start="2025-06-09T00:00:00+00:00", end="2025-06-12T00:00:00+00:00",
              outcome="no_answer", max_contacts=5)
    one = plan_table(policy, accounts, contacts, workers=1, **kw)
    two = plan_table(policy, accounts, contacts, workers=2, chunk_rows=7, **kw)
    assert two.equals(one)
    out = one.to_pylist()
    assert [r["account_id"] for r in out] == accounts.column("account_id").to_pylist()
    for i, z in enumerate(zones):
        want = plan_contacts(policy, accounts.slice(i, 1).to_pylist()[0] | {}, hist.get(f"A{i}", []), debt_id="D", **kw)
        assert out[i]["planned_at"] == [t.astimezone(UTC) for t in want]
        assert out[i]["error"] is None
    assert out[-1]["planned_at"] is None and out[-1]["error_table"] == "accounts"
    assert out[-1]["error_row"] == len(zones) and out[-1]["error_field"].startswith("jurisdictions")
