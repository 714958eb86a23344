"""Issue #10: the fast paths change no decision. Generated requests (DST days, several zones,
frequency caps at the edge, account states) decided from raw dicts (generated plain checks,
lazy next-allowed, one-shot history) equal the same requests decided from pydantic models with a
prepared History, field for field (``to_dict()``, next-allowed included)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import collectrules
from collectrules.models import Account, Contact, ContactAttempt

PLACES = [  # (jurisdictions, zones): DST, half-hour and 45-minute zones, several candidate zones
    (["US-IL"], ["America/Chicago"]),
    (["US-MA"], ["America/New_York"]),
    (["US-NY"], []),
    (["US-WA"], ["America/Los_Angeles", "America/Chicago"]),
    (["US-CO"], ["America/Denver"]),
    (["GB"], ["Europe/London"]),
    (["IN"], ["Asia/Kolkata"]),
    (["CN-SH"], ["Asia/Shanghai"]),
    (["AU-SA"], ["Australia/Adelaide"]),
]
# DST days and ordinary ones (US spring-forward / fall-back 2025, UK, Adelaide)
DAYS = [dt.date(2025, 3, 9), dt.date(2025, 3, 10), dt.date(2025, 11, 2), dt.date(2025, 3, 30),
        dt.date(2025, 10, 26), dt.date(2025, 4, 6), dt.date(2025, 10, 5), dt.date(2025, 6, 18),
        dt.date(2026, 1, 14)]
OUTCOMES = ["no_answer", "busy", "conversation", "voicemail", "unknown"]


@st.composite
def requests(draw):
    jur, zones = draw(st.sampled_from(PLACES))
    zone = zoneinfo.ZoneInfo((zones or ["America/New_York"])[0])
    day = draw(st.sampled_from(DAYS))
    minute = draw(st.one_of(st.sampled_from([0, 479, 480, 1259, 1260, 1439, 120, 90]), st.integers(0, 1439)))
    local = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute, seconds=draw(st.sampled_from([0, 59])))
    at = local.replace(tzinfo=zone)
    channel = draw(st.sampled_from(["call", "call", "sms", "email", "voicemail"]))
    attempt = {"channel": channel, "at": at.isoformat(), "debt_id": "D1",
               "dialer": draw(st.sampled_from(["manual", "autodialer", "unknown"]))}
    if draw(st.booleans()):
        attempt["recipient"] = draw(st.sampled_from(["borrower", "third_party", "spouse"]))
    # a cap at its edge: 5-8 calls in the seven days before, plus older ones
    n_recent = draw(st.integers(0, 9))
    hist = []
    for i in range(n_recent):
        t = at - dt.timedelta(days=draw(st.integers(0, 7)), minutes=draw(st.integers(1, 600)))
        hist.append({"channel": draw(st.sampled_from(["call", "call", "sms"])), "at": t.isoformat(),
                     "debt_ids": draw(st.sampled_from([["D1"], ["D1", "D2"], ["D2"]])),
                     "outcome": draw(st.sampled_from(OUTCOMES))})
    for i in range(draw(st.integers(0, 6))):
        t = at - dt.timedelta(days=draw(st.integers(8, 90)), hours=draw(st.integers(0, 23)))
        hist.append({"channel": "call", "at": t.astimezone(dt.timezone.utc).isoformat(), "debt_ids": ["D1"],
                     "outcome": draw(st.sampled_from(OUTCOMES)),
                     "direction": draw(st.sampled_from(["outbound", "inbound"]))})
    account = {"jurisdictions": jur, "timezones": zones}
    for flag in ("cease_communication", "attorney_represented", "disputed_unverified", "bankruptcy", "deceased"):
        if draw(st.floats(0, 1)) < 0.06:
            account[flag] = True
    if draw(st.floats(0, 1)) < 0.1:
        account["opted_out_channels"] = ["sms"]
    return attempt, account, hist


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_raw_dict_path_equals_model_path(shipped, req):
    attempt, account, hist = req
    try:
        fast = shipped.check(attempt, account=account, history=hist)
    except collectrules.InputError as exc:
        # refused on the raw path only when the model path refuses too
        try:
            shipped.check(ContactAttempt.model_validate(attempt), account=Account.model_validate(account),
                          history=collectrules.History([Contact.model_validate(c) for c in hist]))
        except (collectrules.InputError, ValueError):
            return
        raise AssertionError(f"raw path refused what the model path decides: {exc}") from None
    model = shipped.check(ContactAttempt.model_validate(attempt), account=Account.model_validate(account),
                          history=collectrules.History([Contact.model_validate(c) for c in hist]))
    assert fast.allowed == model.allowed
    assert fast.to_dict() == model.to_dict()
    assert fast.explain() == model.explain()
    # the eager (one-shot Policy.next_allowed) answer is the lazy one
    assert fast.next_allowed_at == shipped.next_allowed(attempt, account=account, history=hist)
