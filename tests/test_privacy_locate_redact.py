"""locate() and redact(), and retention_until()."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

import collectrules
from collectrules import InputError, Location, load_policy, locate, redact


# --- locate -----------------------------------------------------------------------------------


def test_us_area_codes_map_to_their_zones_and_states():
    chi = locate(phone="+1 312 555 0123")
    assert chi.timezones == ("America/Chicago",) and chi.jurisdictions == ("US-IL",)
    bos = locate(phone="+1 617 555 0100")
    assert bos.timezones == ("America/New_York",) and bos.jurisdictions == ("US-MA",)
    sf = locate(phone="(415) 555-0134", country_hint="US")
    assert sf.timezones == ("America/Los_Angeles",) and sf.jurisdictions == ("US-CA",)
    assert isinstance(chi, Location) and chi.known and not chi.conflicting


def test_chinese_mobile_number():
    loc = locate(phone="+86 138 0013 8000")
    assert loc.timezones == ("Asia/Shanghai",) and loc.jurisdictions == ("CN",)
    assert locate(phone="13800138000", country_hint="CN") == loc


def test_conflicting_evidence_yields_every_zone():
    loc = locate(phone="+1 312 555 0123", address={"country": "US", "state": "MA"})
    assert loc.timezones == ("America/Chicago", "America/New_York")
    assert loc.jurisdictions == ("US-IL", "US-MA")
    assert loc.conflicting
    two = locate(phone=["+1 312 555 0123", "+1 415 555 0134"])
    assert two.timezones == ("America/Chicago", "America/Los_Angeles")
    # the evaluator then allows only times good in all of them: 10:59 Eastern = 07:59 Pacific
    policy = load_policy(["us-federal"])
    acct = {"jurisdictions": list(two.jurisdictions), "timezones": list(two.timezones)}
    assert not policy.check({"channel": "call", "at": "2025-06-02T09:59:00-05:00", "debt_id": "D"}, account=acct).allowed
    assert policy.check({"channel": "call", "at": "2025-06-02T10:00:00-05:00", "debt_id": "D"}, account=acct).allowed


def test_unknown_stays_unknown():
    for loc in (locate(), locate(phone="not a number"), locate(phone="3125550123"),  # no hint, no +
                locate(address="somewhere over the rainbow"), locate(address={"city": "Springfield"}),
                locate(phone="+1 555 555 5555")):
        assert loc.timezones == () and loc.jurisdictions == ()
        assert not loc.known


def test_address_forms():
    assert locate(address={"country": "US", "state": "Massachusetts"}).jurisdictions == ("US-MA",)
    assert locate(address="US-MA").timezones == ("America/New_York",)
    assert locate(address="10 Main St, Boston, MA 02108").jurisdictions == ("US-MA",)
    assert locate(address={"country": "CN"}).timezones == ("Asia/Shanghai",)
    az = locate(address={"country": "US", "state": "AZ"})
    assert az.timezones == ("America/Denver", "America/Phoenix")  # Navajo Nation keeps DST


def test_country_only_evidence_narrows_nothing_when_more_is_known():
    loc = locate(phone="+1 312 555 0123", address="US")
    assert loc.timezones == ("America/Chicago",) and loc.jurisdictions == ("US-IL",)
    # a toll-free number gives only its country
    tf = locate(phone="+1 800 555 0100", address={"country": "US", "state": "MA"})
    assert tf.timezones == ("America/New_York",) and tf.jurisdictions == ("US-MA",)
    # but a country alone stands for all of it
    assert len(locate(address="US").timezones) > 5


def test_evidence_never_contains_the_raw_number():
    for raw in ("+1 312 555 0123", "+86 138 0013 8000", "13800138000"):
        loc = locate(phone=raw, country_hint="CN" if not raw.startswith("+") else None)
        text = " ".join(loc.evidence)
        digits = "".join(c for c in raw if c.isdigit())
        assert digits not in "".join(c for c in text if c.isdigit())
        assert redact(text) == text


def test_bad_country_hint():
    with pytest.raises(InputError):
        locate(phone="3125550123", country_hint="USA")


# --- redact -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text, gone, token", [
    ("call (312) 555-0123 now", "555-0123", "[phone]"),
    ("手机 +86 138 0013 8000", "0013", "[phone]"),
    ("mobile 13800138000", "13800138000", "[phone]"),
    ("mail li.lei+x@example.com.cn", "example", "[email]"),
    ("身份证 11010519491231002X", "1101051949", "[cn-id]"),
    ("card 6222 0212 3456 7890 123", "3456", "[card]"),
    ("card 4111111111111111", "4111", "[card]"),
    ("HK 9123 4567", "9123", "[phone]"),
])
def test_redact(text, gone, token):
    out = redact(text)
    assert gone not in out and token in out


def test_redact_keeps_ordinary_text():
    s = "on 2025-06-02 at 10:00 the amount 1234.56 was due; rule regf-7-in-7"
    assert redact(s) == s


@settings(max_examples=60, deadline=None)
@given(st.from_regex(r"\A1[3-9]\d{9}\Z"), st.from_regex(r"\A[2-9]\d{2}[2-9]\d{6}\Z"))
def test_redact_property_phones(cn_mobile, us_number):
    for raw in (cn_mobile, "+1" + us_number, f"({us_number[:3]}) {us_number[3:6]}-{us_number[6:]}"):
        out = redact(f"x {raw} y")
        assert "".join(c for c in raw if c.isdigit())[-7:] not in "".join(c for c in out if c.isdigit())


# --- retention --------------------------------------------------------------------------------


def test_retention_until_latest_applicable():
    p = load_policy()
    chi = {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]}
    assert p.retention_until(chi, dt.date(2025, 6, 2), "collection_record") == dt.date(2028, 6, 2)
    at = dt.datetime(2025, 6, 2, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert p.retention_until(chi, at, "call_recording") == at.replace(year=2028)
    # first-party creditors are outside Regulation F: no US rule
    assert p.retention_until({**chi, "collector_type": "first_party"}, dt.date(2025, 6, 2), "collection_record") is None
    cn = {"jurisdictions": ["CN"]}
    assert p.retention_until({**cn, "institution_type": "bank"}, "2025-06-02", "call_recording") == dt.date(2027, 6, 2)
    assert p.retention_until(cn, "2025-06-02", "call_recording") == dt.date(2030, 6, 2)
    tw = {"jurisdictions": ["TW"], "institution_type": "bank"}
    assert p.retention_until(tw, dt.date(2025, 8, 31), "call_recording") == dt.date(2026, 2, 28)


def test_retention_input_errors():
    p = load_policy(["us-federal-privacy"])
    chi = {"jurisdictions": ["US-IL"]}
    with pytest.raises(InputError):
        p.retention_until(chi, dt.datetime(2025, 6, 2, 10, 0), "collection_record")  # naive
    with pytest.raises(InputError):
        p.retention_until(chi, dt.date(2025, 6, 2), "emails")
    with pytest.raises(InputError):
        p.retention_until(chi, "yesterday", "collection_record")


def test_public_api():
    for name in ("locate", "Location", "redact", "ConsentRecord"):
        assert name in collectrules.__all__ and hasattr(collectrules, name)


def test_canadian_area_code_gives_the_province():
    loc = locate(phone="+1 416 555 0100")
    assert loc.jurisdictions == ("CA-ON",) and loc.timezones == ("America/Toronto",)


def test_locate_rejects_non_string_inputs():
    import pytest

    from collectrules import InputError

    with pytest.raises(InputError):
        locate(phone=12125550100)
    with pytest.raises(InputError):
        locate(country_hint=5)


def test_redact_more_identifiers_and_not_amounts():
    from collectrules import redact

    assert redact("SSN 123-45-6789") == "SSN [ssn]"
    assert redact("HKID A123456(7)") == "HKID [id]"
    assert redact("passport E12345678") == "passport [id]"
    assert redact("mail 张三@例子.公司") == "mail [email]"
    assert redact("id 110105 19900307 123X") == "id [cn-id]"
    assert redact("amount 12345678.90") == "amount 12345678.90"
    assert redact("due 2025-06-02, $1,234.56") == "due 2025-06-02, $1,234.56"
