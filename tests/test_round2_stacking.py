"""Round-2 rulesets stacked with each other and with the federal layer (issue #17): each pair
shows what the added ruleset decides that the other does not, with values from the sources."""

from __future__ import annotations

import pytest

import collectrules


def _ids(d, which="violations"):
    return {v.rule_id for v in getattr(d, which)}


def _call(at: str, debt="D1", **kw):
    return {"channel": "call", "at": at, "debt_id": debt, **kw}


@pytest.fixture(scope="module")
def shipped():
    return collectrules.load_policy()


# --- Reg F + Colorado ----------------------------------------------------------------------

def test_regf_plus_colorado_both_deny_21_00_denver() -> None:
    p = collectrules.load_policy(["us-federal", "us-co"])
    acct = {"jurisdictions": ["US-CO"], "timezones": ["America/Denver"]}
    d = p.check(_call("2025-06-10T21:00:00-06:00"), account=acct, history=[])
    assert not d.allowed
    assert {"regf-inconvenient-time", "co-convenient-hours"} <= _ids(d)
    assert d.next_allowed_at.isoformat() == "2025-06-11T08:00:00-06:00"
    ok = p.check(_call("2025-06-10T20:59:59-06:00"), account=acct, history=[])
    assert ok.allowed and set(ok.rulesets) >= {"us-federal", "us-co"}


def test_regf_plus_colorado_8th_call_is_reg_f_alone() -> None:
    p = collectrules.load_policy(["us-federal", "us-co"])
    acct = {"jurisdictions": ["US-CO"], "timezones": ["America/Denver"]}
    hist = [{"channel": "call", "at": f"2025-06-0{i}T10:00:00-06:00", "debt_ids": ["D1"], "outcome": "no_answer"}
            for i in range(2, 9)]
    d = p.check(_call("2025-06-08T15:00:00-06:00"), account=acct, history=hist)
    assert not d.allowed and "co-convenient-hours" not in _ids(d)
    assert any(r.startswith("regf-") for r in _ids(d))


# --- Reg F + West Virginia: a cap per person across debts that Reg F does not have ----------

def test_regf_plus_wv_30_calls_across_debts() -> None:
    p = collectrules.load_policy(["us-federal", "us-wv"])
    acct = {"jurisdictions": ["US-WV"], "timezones": ["America/New_York"]}
    # 5 debts x 6 calls in the week: Reg F's 7-in-7 per debt holds, WV's 30 per person does not
    hist = []
    for k in range(5):
        for day in range(2, 8):
            hist.append({"channel": "call", "at": f"2025-06-0{day}T{9 + k:02d}:00:00-04:00", "debt_ids": [f"D{k}"],
                         "outcome": "no_answer", "recipient_id": "P1"})
    d = p.check(_call("2025-06-08T10:00:00-04:00", debt="D0", recipient_id="P1"), account=acct, history=hist)
    assert not d.allowed
    assert _ids(d) == {"wv-30-calls-a-week"}
    # one call fewer: allowed by both
    d2 = p.check(_call("2025-06-08T10:00:00-04:00", debt="D0", recipient_id="P1"), account=acct, history=hist[1:])
    assert d2.allowed


# --- Reg F + Pennsylvania: the creditor layer Reg F does not reach ---------------------------

def test_regf_plus_pa_creditor_is_bound_by_pa_only() -> None:
    p = collectrules.load_policy(["us-federal", "us-pa"])
    creditor = {"jurisdictions": ["US-PA"], "timezones": ["America/New_York"], "collector_type": "first_party"}
    d = p.check(_call("2025-06-10T21:00:00-04:00"), account=creditor, history=[])
    assert not d.allowed and _ids(d) == {"pa-fceua-hours"}
    collector = {"jurisdictions": ["US-PA"], "timezones": ["America/New_York"]}
    d2 = p.check(_call("2025-06-10T21:00:00-04:00"), account=collector, history=[])
    assert {"regf-inconvenient-time", "pa-fceua-hours"} <= _ids(d2)


# --- Reg F + Nevada medical hold; Reg F + Wisconsin employer rule ----------------------------

def test_regf_plus_nevada_medical_hold() -> None:
    p = collectrules.load_policy(["us-federal", "us-nv"])
    acct = {"jurisdictions": ["US-NV"], "timezones": ["America/Los_Angeles"], "debt_type": "medical",
            "notice_sent_at": "2025-03-01T10:00:00-08:00"}
    d = p.check(_call("2025-04-29T12:00:00-07:00"), account=acct, history=[])
    assert not d.allowed and _ids(d) == {"nv-medical-debt-60-days"}
    # the hold ends at 00:00 on day 60; under both layers the next allowed instant is Reg F's
    # 08:00 that day
    assert d.next_allowed_at.isoformat() == "2025-04-30T08:00:00-07:00"
    nxt = p.next_allowed(_call("2025-04-29T12:00:00-07:00"), account=acct, history=[])
    assert nxt.isoformat() == "2025-04-30T08:00:00-07:00"


def test_regf_plus_wisconsin_employer_location_inquiry() -> None:
    attempt = _call("2025-06-10T12:00:00-05:00", recipient="employer", purpose="location_inquiry")
    acct = {"jurisdictions": ["US-WI"], "timezones": ["America/Chicago"]}
    assert "wi-no-employer-before-judgment" not in _ids(
        collectrules.load_policy(["us-federal"]).check(attempt, account=acct, history=[]))
    d = collectrules.load_policy(["us-federal", "us-wi"]).check(attempt, account=acct, history=[])
    assert not d.allowed and "wi-no-employer-before-judgment" in _ids(d)


# --- Ireland: the Act and the Central Bank Code ----------------------------------------------

def test_ireland_act_plus_code() -> None:
    p = collectrules.load_policy(["ie-cca-1995", "ie-cbi-cpc-arrears"])
    acct = {"jurisdictions": ["IE"], "timezones": ["Europe/Dublin"]}
    three = [{"channel": ch, "at": at, "debt_ids": ["I1"], "outcome": o} for ch, at, o in (
        ("call", "2025-06-03T10:00:00+01:00", "conversation"), ("letter", "2025-06-05T10:00:00+01:00", "delivered"),
        ("sms", "2025-06-10T10:00:00+01:00", "delivered"))]
    # an e-mail on a Sunday: outside s. 46, but the 4th communication of the month under the Code
    d = p.check({"channel": "email", "at": "2025-06-15T12:00:00+01:00", "debt_id": "I1"}, account=acct, history=three)
    assert _ids(d) == {"ie-cpc2012-3-a-month"}
    # a Sunday call with an empty month: the Act alone
    d2 = p.check(_call("2025-06-15T12:00:00+01:00", debt="I1"), account=acct, history=[])
    assert _ids(d2) == {"ie-no-sunday-or-public-holiday"}
    assert d2.next_allowed_at.isoformat() == "2025-06-16T09:00:00+01:00"


# --- India: RBI hours + TRAI caller numbers --------------------------------------------------

def test_india_rbi_hours_plus_trai_numbers() -> None:
    p = collectrules.load_policy(["in-rbi", "in-trai-1600"])
    bank = {"jurisdictions": ["IN"], "timezones": ["Asia/Kolkata"], "institution_type": "bank"}
    late = p.check(_call("2026-02-02T19:00:00+05:30", caller_number_type="service_series"), account=bank, history=[])
    assert _ids(late) == {"in-rbi-call-hours"}
    wrong = p.check(_call("2026-02-02T10:00:00+05:30", caller_number_type="ordinary"), account=bank, history=[])
    assert _ids(wrong) == {"in-trai-1600-commercial-banks"} and wrong.next_allowed_at is None
    both = p.check(_call("2026-02-02T19:30:00+05:30"), account=bank, history=[])
    assert _ids(both) == {"in-rbi-call-hours", "in-trai-1600-commercial-banks"}
    # waiting never fixes the number: no next allowed instant
    assert p.next_allowed(_call("2026-02-02T19:30:00+05:30"), account=bank, history=[]) is None
    ok = p.check(_call("2026-02-02T10:00:00+05:30", caller_number_type="service_series"), account=bank, history=[])
    assert ok.allowed


# --- Thailand: working-day hours + holiday hours + once a day --------------------------------

def test_thailand_three_rules_together(shipped) -> None:
    acct = {"jurisdictions": ["TH"], "timezones": ["Asia/Bangkok"]}
    hol = shipped.check(_call("2025-12-05T18:30:00+07:00", debt="T1"), account=acct, history=[])
    assert _ids(hol) == {"th-holiday-hours"}
    hist = [{"channel": "call", "at": "2025-12-05T09:00:00+07:00", "debt_ids": ["T1"], "outcome": "no_answer"}]
    two = shipped.check(_call("2025-12-05T18:30:00+07:00", debt="T1"), account=acct, history=hist)
    assert _ids(two) == {"th-holiday-hours", "th-once-a-day"}
    assert two.next_allowed_at.isoformat() == "2025-12-06T08:00:00+07:00"


# --- Reg F + Colombia: the federal layer is not applied to a Colombian account ----------------

def test_regf_not_applied_to_colombia(shipped) -> None:
    acct = {"jurisdictions": ["CO"], "timezones": ["America/Bogota"]}
    d = shipped.check(_call("2025-06-10T19:00:00-05:00"), account=acct, history=[])
    assert _ids(d) == {"co-contact-hours"}
    assert "us-federal" not in d.rulesets and "co-ley-2300" in d.rulesets
    # 20:30 Bogota would be inside Reg F's window: still denied, by Colombia alone
    d2 = shipped.check(_call("2025-06-10T20:30:00-05:00"), account=acct, history=[])
    assert not d2.allowed and _ids(d2) == {"co-contact-hours"}


def test_japan_and_korea_accounts_get_their_own_layer_only(shipped) -> None:
    jp = shipped.check(_call("2025-06-02T21:00:00+09:00"), account={"jurisdictions": ["JP"]}, history=[])
    kr = shipped.check(_call("2025-06-02T21:00:00+09:00"), account={"jurisdictions": ["KR"]}, history=[])
    assert _ids(jp) == {"jp-night-band"} and _ids(kr) == {"kr-night-band"}
    # 08:00:00 is allowed in Japan (half-open) and still night in Korea (open reading)
    assert shipped.check(_call("2025-06-03T08:00:00+09:00"), account={"jurisdictions": ["JP"]}, history=[]).allowed
    assert not shipped.check(_call("2025-06-03T08:00:00+09:00"), account={"jurisdictions": ["KR"]}, history=[]).allowed
