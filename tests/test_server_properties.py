"""Property: whatever the attempt, zone and history, the service's decision is the library's
(`Policy.check(...).to_dict()` without the trace, plus the fingerprint), through real HTTP."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import collectrules

from .server_util import Server

ZONES = {"US-IL": "America/Chicago", "US-MA": "America/New_York", "US-WA": "America/Los_Angeles",
         "US-AZ": "America/Phoenix", "US-HI": "Pacific/Honolulu"}


@pytest.fixture(scope="module")
def psrv(tmp_path_factory):
    s = Server(["-r", "us-federal", "-r", "us-ma", "-r", "us-wa"], log_path=tmp_path_factory.mktemp("p") / "log")
    s.policy = collectrules.load_policy(["us-federal", "us-ma", "us-wa"])
    yield s
    s.stop()


@st.composite
def requests(draw):
    jur = draw(st.sampled_from(sorted(ZONES)))
    z = zoneinfo.ZoneInfo(ZONES[jur])
    # around the spring-forward and fall-back days of 2025 and ordinary days
    day = draw(st.sampled_from([dt.date(2025, 3, 9), dt.date(2025, 11, 2), dt.date(2025, 6, 2),
                                dt.date(2025, 6, 7)]))
    minute = draw(st.integers(0, 24 * 60 - 1))
    at = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), z)
    at = at.astimezone(dt.timezone.utc).astimezone(z)  # a real instant (gap times normalised)
    n = draw(st.integers(0, 12))
    offsets = sorted(draw(st.lists(st.integers(1, 14 * 24 * 60), min_size=n, max_size=n)), reverse=True)
    outcomes = st.sampled_from(["no_answer", "voicemail", "busy", "conversation", "delivered"])
    hist = []
    for off in offsets:
        ch = draw(st.sampled_from(["call", "sms", "email"]))
        out = draw(outcomes) if ch == "call" else "delivered"
        hist.append({"channel": ch, "at": (at - dt.timedelta(minutes=off)).isoformat(), "debt_ids": ["D1"],
                     "outcome": out})
    channel = draw(st.sampled_from(["call", "sms", "email"]))
    account = {"jurisdictions": [jur], "timezones": [ZONES[jur]],
               "cease_communication": draw(st.booleans()) and draw(st.booleans())}
    return {"attempt": {"channel": channel, "at": at.isoformat(), "debt_id": "D1"}, "account": account,
            "history": hist}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(r=requests())
def test_service_decision_equals_library(psrv, r):
    want = psrv.policy.check(r["attempt"], account=r["account"], history=r["history"]).to_dict()
    want.pop("trace")
    st_, _, got = psrv.post("/v1/check", r)
    assert st_ == 200
    assert got.pop("policy_fingerprint") == psrv.policy.fingerprint
    assert got == want
    st_, _, nxt = psrv.post("/v1/next-allowed", r)
    lib = psrv.policy.next_allowed(r["attempt"], account=r["account"], history=r["history"])
    assert nxt["next_allowed_at"] == (lib.isoformat() if lib else None)
    assert nxt["allowed_now"] is want["allowed"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rs=st.lists(requests(), min_size=1, max_size=8), bad=st.sets(st.integers(0, 7), max_size=3))
def test_batch_equals_one_by_one_and_errors_stay_in_place(psrv, rs, bad):
    items = [dict(r) for r in rs]
    for i in bad:
        if i < len(items):
            items[i] = {**items[i], "attempt": {**items[i]["attempt"], "at": "2025-06-02T12:00:00"}}  # naive
    st_, _, out = psrv.post("/v1/check:batch", {"requests": items})
    assert st_ == 200 and [x["index"] for x in out["results"]] == list(range(len(items)))
    for i, (item, res) in enumerate(zip(items, out["results"])):
        if i in bad:
            assert "decision" not in res and res["error"]["status"] == 422
            assert res["error"]["errors"][0]["loc"] == f"requests.{i}.attempt.at"
        else:
            want = psrv.policy.check(item["attempt"], account=item["account"], history=item["history"]).to_dict()
            want.pop("trace")
            got = dict(res["decision"])
            got.pop("policy_fingerprint")
            assert got == want
