"""Issue #10 (2): raw dict records validated by generated plain checks on the common shapes,
the pydantic models as the fallback and the error path. The fast path accepts only what the
models accept and builds an equal model; decisions from raw dicts equal decisions from models."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import collectrules
from collectrules import fastinput
from collectrules.errors import InputError
from collectrules.history import History
from collectrules.models import Account, Contact, ContactAttempt
from collectrules.vocab import CHANNELS, DIALERS, DIRECTIONS, PLACES, PURPOSES, RECIPIENTS

OUTCOMES = tuple(Contact.model_fields["outcome"].annotation.__args__)
ZONES = ["America/Chicago", "America/New_York", "America/Los_Angeles", "Asia/Kolkata", "Australia/Adelaide",
         "Asia/Kathmandu", "UTC"]


def test_fast_path_is_enabled_for_the_history_and_attempt_models():
    assert fastinput.enabled(Contact) and fastinput.enabled(ContactAttempt)
    assert not fastinput.enabled(Account)  # has validators of its own: the model always


# ---- instants: the common spellings and near misses --------------------------------------

def _mostly(good, bad, p=0.85):
    """``good`` with probability ``p``, else ``bad``: most records valid, so the checks on each
    field are reached with the others passing."""
    return st.floats(0, 1).flatmap(lambda x: good if x < p else bad)



_offsets = st.sampled_from(["Z", "+00:00", "-05:00", "+05:30", "+05:45", "-09:30", "+14:00", "-12:00",
                            "+23:59", "+24:00", "-99:00", "+0530", "", "+05", "z"])
_fracs = _mostly(st.sampled_from(["", ".123", ".123456"]), st.sampled_from([".1", ".1234567", ".12"]))
_date_parts = st.tuples(st.integers(1890, 2210), st.integers(0, 13), st.integers(0, 32),
                        st.integers(0, 25), st.integers(0, 61), st.integers(0, 61))


@st.composite
def instant_strings(draw):
    y, mo, d, h, mi, s = draw(_mostly(st.tuples(st.sampled_from([1899, 1900, 2025, 2199, 2200]), st.integers(1, 12),
                                                 st.integers(1, 28), st.integers(0, 23), st.integers(0, 59),
                                                 st.integers(0, 59)), _date_parts, 0.7))
    sep = draw(_mostly(st.just("T"), st.sampled_from([" ", "t"])))
    return f"{y:04d}-{mo:02d}-{d:02d}{sep}{h:02d}:{mi:02d}:{s:02d}{draw(_fracs)}{draw(_offsets)}"


@st.composite
def instant_objects(draw):
    naive = draw(st.one_of(st.datetimes(min_value=dt.datetime(1890, 1, 1), max_value=dt.datetime(2210, 12, 31)),
                           st.sampled_from([dt.datetime(1899, 12, 31, 23), dt.datetime(1900, 1, 1),
                                            dt.datetime(2199, 12, 31, 23, 59), dt.datetime(2200, 1, 1)])))
    tz = draw(st.sampled_from([None, dt.timezone.utc, dt.timezone(dt.timedelta(hours=5, minutes=30)),
                               zoneinfo.ZoneInfo("America/Chicago")]))
    return naive.replace(tzinfo=tz)


instants = _mostly(st.one_of(instant_strings(), instant_objects()),
                   st.one_of(st.integers(0, 2_000_000_000), st.just("0"), st.none(), st.floats(allow_nan=False),
                             st.just("2025-06-02T10:00:00-05:00")))


def _vocab(values):
    return _mostly(st.sampled_from(values), st.sampled_from(["", "CALL", "phone", "sms ", 3, None, True]))


def _maybe(key, strat):
    return st.one_of(st.just({}), strat.map(lambda v: {key: v}))


@st.composite
def contact_dicts(draw):
    d = {}
    for key, strat in (
        ("channel", _vocab(CHANNELS)), ("at", instants),
        ("debt_ids", _mostly(st.lists(st.text(max_size=3), max_size=3),
                             st.sampled_from(["D1", ["D1", 2], ("D1",), [None]]))),
        ("outcome", _vocab(OUTCOMES)), ("direction", _vocab(DIRECTIONS)), ("recipient", _vocab(RECIPIENTS)),
        ("place", _vocab(PLACES)), ("purpose", _vocab(PURPOSES)), ("dialer", _vocab(DIALERS)),
        ("consent_given_at", instants), ("recipient_id", st.one_of(st.none(), st.text(max_size=3), st.just(5))),
        ("address_id", st.one_of(st.none(), st.text(max_size=3))), ("line_type", _vocab(["mobile", "residential",
                                                                                          "unknown"])),
        ("sender_id", st.one_of(st.none(), st.text(max_size=2))), ("extra_field", st.just(1)),
    ):
        # required fields are present most of the time; optional ones now and then
        p = 0.97 if key in ("channel", "at", "debt_ids", "outcome") else (0.03 if key == "extra_field" else 0.3)
        if draw(st.floats(0, 1)) < p:
            d[key] = draw(strat)
    return d


@st.composite
def attempt_dicts(draw):
    d = draw(contact_dicts())
    d.pop("debt_ids", None)
    d.pop("outcome", None)
    d.pop("direction", None)
    if draw(st.floats(0, 1)) < 0.9:
        d["debt_id"] = draw(st.one_of(st.text(max_size=3), st.just(7), st.none()))
    for key, strat in (("employer_provided_address", st.one_of(st.booleans(), st.just(1), st.just("yes"))),
                       ("callback_requested", st.booleans()),
                       ("caller_number_type", _vocab(["service_series", "promotional_series", "registered",
                                                      "ordinary"]))):
        if draw(st.floats(0, 1)) < 0.2:
            d[key] = draw(strat)
    return d


def _same(model, data):
    fast = fastinput.fast_build(model, data)
    try:
        ref = model.model_validate(data)
    except ValidationError:
        ref = None
    if fast is None:
        return ref  # the model decides: nothing to compare
    assert ref is not None, f"fast path accepted what {model.__name__} refuses: {data!r}"
    assert fast == ref
    assert fast.model_dump() == ref.model_dump()
    assert fast.model_fields_set == ref.model_fields_set
    assert list(fast.__dict__) == list(ref.__dict__)
    for name in ("at", "consent_given_at"):
        a, b = getattr(fast, name, None), getattr(ref, name, None)
        if a is not None:
            assert a.utcoffset() == b.utcoffset() and a.isoformat() == b.isoformat()
    return ref


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contact_dicts())
def test_fast_contact_accepts_only_what_the_model_accepts(data):
    _same(Contact, data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(attempt_dicts())
def test_fast_attempt_accepts_only_what_the_model_accepts(data):
    _same(ContactAttempt, data)


@settings(max_examples=60, deadline=None)
@given(st.datetimes(min_value=dt.datetime(1900, 1, 2), max_value=dt.datetime(2199, 12, 30)),
       st.sampled_from(["Z", "+00:00", "-05:00", "+05:30", "+05:45", "-09:30"]),
       st.sampled_from(["", "micro", "milli"]), st.sampled_from(OUTCOMES), st.sampled_from(CHANNELS))
def test_common_shapes_take_the_fast_path(naive, offset, frac, outcome, channel):
    """Not only 'never wrong': the shapes a dialer sends are the ones it covers."""
    text = naive.strftime("%Y-%m-%dT%H:%M:%S")
    text += {"": "", "micro": f".{naive.microsecond:06d}", "milli": f".{naive.microsecond // 1000:03d}"}[frac]
    data = {"channel": channel, "at": text + offset, "debt_ids": ["D1"], "outcome": outcome}
    assert fastinput.fast_build(Contact, data) is not None
    assert _same(Contact, data) is not None


def test_malformed_history_keeps_the_model_error_message():
    rows = [{"channel": "call", "at": "2025-06-02T10:00:00-05:00", "debt_ids": ["D1"], "outcome": "no_answer"},
            {"channel": "call", "at": "2025-06-02T10:00:00", "debt_ids": ["D1"], "outcome": "no_answer"},
            {"channel": "call", "at": 1717340400, "debt_ids": ["D1"], "outcome": "no_answer"},
            {"channel": "fax", "at": "2025-06-02T10:00:00-05:00", "debt_ids": ["D1"]}]
    with pytest.raises(InputError) as e:
        History(rows)
    msg = str(e.value)
    assert msg.startswith("malformed history: history[1].at: ")
    assert "history[2].at" in msg and "history[3].channel" in msg and "history[3].outcome" in msg
    with pytest.raises(InputError, match=r"attempt\.at: "):
        collectrules.load_policy(["us-federal"]).check(
            {"channel": "call", "at": "2025-06-02T10:00:00", "debt_id": "D1"},
            account={"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]})


def test_fast_history_keeps_the_callers_list_apart():
    ids = ["D1"]
    h = History([{"channel": "call", "at": "2025-06-02T10:00:00-05:00", "debt_ids": ids, "outcome": "busy"}])
    ids.append("D2")
    assert h.contacts[0].debt_ids == ["D1"]
