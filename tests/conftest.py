import datetime as dt

import pytest

import collectrules

pytest_plugins = ["tests.pg"]


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
