import datetime as dt

import pytest
from hypothesis import HealthCheck, settings

import collectrules

pytest_plugins = ["tests.pg"]

# Hypothesis profiles. ``default``: the everyday run (CI, pre-push) -- derandomized so a failure
# reproduces, no per-example deadline (the machine is shared; timings live in benchmarks/).
# ``thorough`` (``pytest --hypothesis-profile=thorough``, nightly): random seeds, many more
# examples, and every test's own ``@settings(max_examples=N)`` scaled by THOROUGH_FACTOR.
THOROUGH_FACTOR = 10
settings.register_profile("default", max_examples=50, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("thorough", max_examples=500, deadline=None, derandomize=False,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile("default")


def pytest_collection_modifyitems(config, items):
    """Under the thorough profile, scale each test's explicit example count (an explicit
    ``@settings(max_examples=N)`` otherwise wins over the profile)."""
    if getattr(settings, "_current_profile", None) != "thorough":
        return
    floor = settings.default.max_examples
    for item in items:
        fn = getattr(getattr(item, "obj", None), "__func__", getattr(item, "obj", None))
        own = getattr(fn, "_hypothesis_internal_use_settings", None)
        if own is None or not hasattr(fn, "hypothesis") or own.max_examples >= floor:
            continue
        fn._hypothesis_internal_use_settings = settings(
            own, max_examples=max(own.max_examples * THOROUGH_FACTOR, floor))


@pytest.fixture(scope="session")
def regf():
    return collectrules.load_policy(["us-federal"])


@pytest.fixture(scope="session")
def shipped():
    return collectrules.load_policy()


def call(at, debt="D1", **kw):
    # manually dialled unless the test says otherwise (an unstated dialer is read as an autodialer)
    return {"channel": kw.pop("channel", "call"), "at": at, "debt_id": debt, "dialer": kw.pop("dialer", "manual"), **kw}


def contact(at, outcome="no_answer", debts=("D1",), **kw):
    return {"channel": kw.pop("channel", "call"), "at": at, "debt_ids": list(debts), "outcome": outcome, **kw}


def acct(zones=("America/Chicago",), jur=("US-IL",), **kw):
    return {"jurisdictions": list(jur), "timezones": list(zones), **kw}


def iso(s):
    return dt.datetime.fromisoformat(s)


@pytest.fixture(scope="session")
def policy():
    """Reg F and the CN content rules (shipped ids)."""
    return collectrules.load_policy(["us-federal", "cn-content"])


@pytest.fixture(scope="session")
def us():
    return {"jurisdictions": ["US-IL"], "timezones": ["America/Chicago"]}


@pytest.fixture(scope="session")
def cn():
    return {"jurisdictions": ["CN"], "timezones": ["Asia/Shanghai"]}
