import pytest

import collectrules


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
